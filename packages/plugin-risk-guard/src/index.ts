export { RISK_GUARD_NAME, RiskGuardOptions, riskGuard, VERSION } from './riskGuard.ts';
export { TRAILING_STOP_NAME, TrailingStopOptions, trailingStop } from './trailingStop.ts';
