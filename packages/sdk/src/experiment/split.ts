import { TradecoreError } from '../errors.ts';

/** One train/test split over bar indices (inclusive bounds). */
export interface Fold {
  readonly fold: number;
  readonly trainStart: number;
  readonly trainEnd: number;
  readonly testStart: number;
  readonly testEnd: number;
}

export class SplitError extends TradecoreError {
  override name = 'SplitError';
}

export interface TimeSplitOptions {
  /** Bars in the dataset. */
  readonly length: number;
  /** Last fraction of the bars held out for evaluation. */
  readonly testFraction: number;
  /** 0: one train/test split. n > 0: the held-out tail is cut into n consecutive test windows, each trained on everything before it (anchored walk-forward). */
  readonly walkForwardFolds: number;
  /** Bars each side needs at least (warm-up + window + a few steps). */
  readonly minBars?: number;
}

/**
 * Chronological splits, never shuffled: training bars always precede test bars, so no test bar is
 * seen in training. Features at a test bar may still read earlier (training) bars, as they would live.
 */
export function timeSplit({ length, testFraction, walkForwardFolds, minBars = 2 }: TimeSplitOptions): Fold[] {
  if (!(testFraction > 0 && testFraction < 1)) throw new SplitError(`run.split.testFraction: must be in (0, 1), got ${testFraction}`);
  const testBars = Math.floor(length * testFraction);
  const firstTest = length - testBars;
  const folds = Math.max(1, walkForwardFolds);
  const per = Math.floor(testBars / folds);
  if (per < minBars || firstTest < minBars) {
    throw new SplitError(
      `run.split: ${length} bars with testFraction ${testFraction} and ${folds} fold(s) leave ${firstTest} training and ${per} test bars per fold; each needs at least ${minBars} (warm-up + window + steps). Use more data, a larger testFraction or fewer folds`,
    );
  }
  const out: Fold[] = [];
  for (let k = 0; k < folds; k++) {
    const testStart = firstTest + k * per;
    const testEnd = k === folds - 1 ? length - 1 : testStart + per - 1;
    out.push({ fold: k, trainStart: 0, trainEnd: testStart - 1, testStart, testEnd });
  }
  return out;
}
