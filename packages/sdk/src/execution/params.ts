import type { ExecutionConfig } from '../config/schema.ts';
import { ExecutionSchema } from '../config/schema.ts';
import { parseWithSchema } from '../schema/validate.ts';
import type { ExecutionParams } from './types.ts';

const BPS = 1e-4;

/**
 * Validates execution settings (defaults applied; `source` names where they came from in errors)
 * and converts basis points to fractions.
 */
export function resolveExecutionParams(input: Partial<ExecutionConfig> | undefined, source = 'execution options'): ExecutionParams {
  const config = parseWithSchema(ExecutionSchema, input ?? {}, source);
  return Object.freeze({
    makerFee: config.makerFeeBps * BPS,
    takerFee: config.takerFeeBps * BPS,
    slippage: config.slippageBps * BPS,
    limitOffset: config.limitOffsetBps * BPS,
    limitTtlBars: config.limitTtlBars,
    postOnly: config.postOnly,
    touchFills: config.touchFills,
    allowShort: config.allowShort,
    initialCash: config.initialCash,
  });
}
