import { definePlugin, sizeByRisk, STAGE, Type, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };

/** `@tradecore/plugin-risk-guard`: the name the SDK asks for when a config has no risk guard. */
export const RISK_GUARD_NAME = pkg.name;
export const VERSION = pkg.version;

export const RiskGuardOptions = Type.Object(
  {
    riskPct: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.01, description: 'Fraction of equity lost at the stop, entry and exit fees and slippage included.' }),
    stopStepBps: Type.Number({ exclusiveMinimum: 0, maximum: 5000, default: 50, description: 'Stop distance per bucket: bucket k puts the stop k × stopStepBps from the fill.' }),
    buckets: Type.Integer({ minimum: 1, maximum: 20, default: 4, description: 'Stop buckets per side in the action space.' }),
    maxLeverage: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'Notional cap: qty × fill ≤ maxLeverage × equity.' }),
    qtyStep: Type.Number({ exclusiveMinimum: 0, default: 0.00001, description: 'Lot size; qty is rounded down to a multiple of it.' }),
    minQty: Type.Number({ minimum: 0, default: 0.00001, description: 'Smallest order; a smaller size rejects the order.' }),
  },
  { additionalProperties: false },
);
export type RiskGuardOptions = Static<typeof RiskGuardOptions>;

/**
 * The mandatory risk guard. At every entry fill it sets the stop `S = fill × (1 ∓ k × stopStepBps)`
 * and the size: the largest lot-rounded qty whose loss at the stop — exiting at `S × (1 ∓ slippage)`,
 * entry and exit fees included — is ≤ riskPct × equity, capped by maxLeverage × equity / fill. Below
 * minQty the order is rejected and logged. It taps the `order` hook at `STAGE.RISK_GUARD`, after every
 * execution helper; no other plugin may tap there or later, and the engine fills exactly what it sized.
 */
export const riskGuard = definePlugin({
  name: RISK_GUARD_NAME,
  version: VERSION,
  kind: 'risk-guard',
  optionsSchema: RiskGuardOptions,
  setup(hooks, { options, log }) {
    // Bucket k puts a long's stop at fill × (1 − k × stopStepBps); from 100 % on it is at or below
    // zero and every such entry would be refused, so the widest bucket must stay below 100 %.
    if (options.stopStepBps * options.buckets >= 10_000) {
      throw new RangeError(
        `stopStepBps × buckets must be below 10000 (100 %), got ${options.stopStepBps} × ${options.buckets} = ${options.stopStepBps * options.buckets}: a long's stop at bucket ${options.buckets} would be at or below zero`,
      );
    }
    hooks.order.tap({ name: RISK_GUARD_NAME, stage: STAGE.RISK_GUARD }, (intent) => {
      sizeByRisk(intent, options);
      if (intent.rejected) {
        log(`rejected ${intent.side === 1 ? 'long' : 'short'} ${intent.type} at ${intent.fillPrice} (equity ${intent.equity}, stop ${intent.stopPrice}): ${intent.rejectReason} (minQty ${options.minQty}, qtyStep ${options.qtyStep})`);
      }
      return intent;
    });
  },
});
