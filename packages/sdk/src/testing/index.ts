export { barsFromCsv, contractBars, readCsvColumns, type ContractBarsOptions, type CsvColumns } from './bars.ts';
export { columnsOf, sliceBars } from '../data/bars.ts';
export {
  checkCausality,
  checkDeclaration,
  checkWarmup,
  closeRelative,
  firstMismatch,
  guardedBars,
  runBatch,
  runStream,
  STREAM_TOLERANCE,
} from './checks.ts';
export {
  collectDefinitions,
  createTestEngine,
  testIndicatorContract,
  testPluginContract,
  type CreateTestEngineOptions,
  type IndicatorContractOptions,
  type InvalidOptionsCase,
  type PluginContractOptions,
} from './contract.ts';
