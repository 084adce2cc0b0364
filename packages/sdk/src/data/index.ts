// Public API of src/data: explicit named exports only.
export { allocateBars, columnsOf, isoTime, optionalColumnsOf, sliceBars, type MutableBars } from './bars.ts';
export {
  barsToCsv,
  exportCsv,
  importCsv,
  importKrakenOhlcvt,
  parseIsoTime,
  type ExportCsvOptions,
  type ImportCsvOptions,
  type TimeUnit,
} from './csv.ts';
export { tempPathFor, writeFileAtomic } from './_fs.ts';
export { BarsValidationError, ChecksumMismatchError, DataError, DatasetNotFoundError } from './errors.ts';
export {
  concatBars,
  lakeDir,
  readDataset,
  writeDataset,
  type ReadDatasetOptions,
  type ReadDatasetResult,
  type WriteDatasetOptions,
} from './lake.ts';
export {
  DatasetColumnSchema,
  DatasetManifestSchema,
  DatasetPartitionSchema,
  SyntheticGeneratorSchema,
  listDatasets,
  loadManifest,
  manifestPath,
  parseManifest,
  resolveManifestRef,
  type DataDirOptions,
  type DatasetColumn,
  type DatasetManifest,
  type DatasetPartition,
  type SyntheticGeneratorInfo,
} from './manifest.ts';
export {
  decodeParquet,
  encodeParquet,
  int64ToMs,
  msToInt64,
  readParquetTable,
  writeParquetTable,
  type ParquetColumn,
  type ParquetCompression,
  type ParquetTable,
  type ParquetWriteResult,
  type ReadParquetOptions,
  type WriteParquetOptions,
} from './parquet.ts';
export { resampleBars } from './resample.ts';
export { SYNTHETIC_GENERATOR_VERSION, generateSynthetic, syntheticGeneratorInfo, type SyntheticOptions } from './synthetic.ts';
export { bucketStart, parseTimeframe, type Timeframe } from './timeframe.ts';
export {
  validateBars,
  type ValidateBarsOptions,
  type ValidationFinding,
  type ValidationErrorKind,
  type ValidationReport,
  type ValidationStats,
  type ValidationWarningKind,
} from './validateBars.ts';
