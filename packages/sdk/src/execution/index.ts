// Public API of src/execution: explicit named exports only.
export {
  ORDER_KIND,
  ORDER_TYPE_CODE,
  type ExecutionParams,
  type GuardSnapshot,
  type OrderIntent,
  type OrderType,
  type RewardContext,
  type RiskRules,
  type Side,
  type StopContext,
} from './types.ts';
export { resolveExecutionParams } from './params.ts';
export { CAP_TOLERANCE, lossPerUnit, sizeByRisk, stopExitPrice } from './sizing.ts';
export { copyIntent, createGuardSnapshot, createIntent, REJECT, REJECT_REASONS, verifySizedOrder } from './verifyOrder.ts';
export { Broker, type BarSeries, type BrokerChecks, type OrderSizer, type StopUpdater } from './Broker.ts';
export { LEDGER_COLUMNS, Ledger, type LedgerColumns } from './Ledger.ts';
export { FILL_COLUMNS, FILL_KIND, FillLog, type FillColumns, type FillKind } from './FillLog.ts';
