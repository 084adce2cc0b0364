// Public API of src/execution: explicit named exports only.
export type { OrderIntent, OrderType, RewardContext, Side, StopContext } from './types.ts';
