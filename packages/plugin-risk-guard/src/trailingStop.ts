import { definePlugin, STAGE, Type } from '@tradecore/sdk';
import { RISK_GUARD_NAME, VERSION } from './riskGuard.ts';

export const TRAILING_STOP_NAME = `${RISK_GUARD_NAME}:trailing-stop`;

export const TrailingStopOptions = Type.Object(
  {
    trailBps: Type.Number({ exclusiveMinimum: 0, maximum: 5000, default: 100, description: 'Distance of the trailing stop from the close, bps.' }),
    activateAfterBars: Type.Integer({ minimum: 0, default: 0, description: 'Bars in position before the stop starts to trail.' }),
  },
  { additionalProperties: false },
);

/**
 * Optional trailing stop: after each bar a position is held, moves the stop to `close × (1 ∓ trailBps)`
 * when that is tighter. The engine only ever lets a stop tighten, so it cannot widen the guard's risk.
 */
export const trailingStop = definePlugin({
  name: TRAILING_STOP_NAME,
  version: VERSION,
  kind: 'execution',
  optionsSchema: TrailingStopOptions,
  setup(hooks, { options }) {
    const trail = options.trailBps * 1e-4;
    hooks.stop.tap({ name: TRAILING_STOP_NAME, stage: STAGE.DEFAULT }, (stopPrice, ctx) => {
      if (ctx.barsInPosition < options.activateAfterBars) return stopPrice;
      if (ctx.side === 1) {
        const candidate = ctx.close * (1 - trail);
        return candidate > stopPrice ? candidate : stopPrice;
      }
      const candidate = ctx.close * (1 + trail);
      return candidate < stopPrice ? candidate : stopPrice;
    });
  },
});
