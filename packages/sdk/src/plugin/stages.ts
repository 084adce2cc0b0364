/**
 * Named stages for taps (tapable's `stage`): lower runs first. The risk guard always taps
 * `STAGE.RISK_GUARD`, after every execution helper, so nothing can resize an order after it: on
 * `hooks.order` only the risk-guard plugin may tap at `STAGE.RISK_GUARD` or later (the engine refuses
 * any other such tap when it is built, and checks every entry against the guard's result).
 */
export const STAGE = Object.freeze({
  PRE: -100,
  DEFAULT: 0,
  POST: 100,
  RISK_GUARD: 1_000_000,
});
