import { existsSync } from 'node:fs';
import { readParquetTable, writeParquetTable, type ParquetColumn } from '../data/parquet.ts';
import type { TrainProgress } from './types.ts';

/** Columns every trainer fills; a trainer's `stats` add their own (PPO: update, losses, entropy, approx KL…). */
const BASE_COLUMNS = ['fold', 'steps', 'totalSteps', 'meanEpisodeReturn', 'meanStepReward', 'stepsPerSecond', 'time'] as const;

interface Row {
  readonly fold: number;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * `train.parquet`: one row per trainer update (per fold), rewritten atomically as training goes so an
 * interrupted run keeps its curves. A resumed fold continues from its checkpoint: rows at or after
 * the first step it reports again are replaced, so steps only ever increase within a fold.
 */
export class TrainLog {
  readonly file: string;
  #rows: Row[] = [];
  #columns: string[] = [...BASE_COLUMNS];
  #dirty = false;

  private constructor(file: string) {
    this.file = file;
  }

  /** Opens the log of a run folder, keeping the rows of an earlier attempt (resume). */
  static async open(file: string): Promise<TrainLog> {
    const log = new TrainLog(file);
    if (existsSync(file)) {
      const table = await readParquetTable(file, { numbersAsFloat64: true });
      const names = Object.keys(table.columns);
      for (const name of names) if (!log.#columns.includes(name)) log.#columns.push(name);
      for (let r = 0; r < table.numRows; r++) {
        const values: Record<string, number> = {};
        for (const name of names) values[name] = Number((table.columns[name] as ArrayLike<number>)[r]);
        log.#rows.push({ fold: values.fold!, values });
      }
    }
    return log;
  }

  get rows(): number {
    return this.#rows.length;
  }

  append(fold: number, progress: TrainProgress, time = Date.now()): void {
    const values: Record<string, number> = {
      fold,
      steps: progress.steps,
      totalSteps: progress.totalSteps,
      meanEpisodeReturn: progress.meanEpisodeReturn,
      meanStepReward: progress.meanStepReward,
      stepsPerSecond: progress.stepsPerSecond,
      time,
    };
    for (const [name, value] of Object.entries(progress.stats ?? {})) {
      if (!(name in values)) values[name] = value;
      if (!this.#columns.includes(name)) this.#columns.push(name);
    }
    this.#rows = this.#rows.filter((row) => row.fold !== fold || row.values.steps! < progress.steps);
    this.#rows.push({ fold, values });
    this.#dirty = true;
  }

  /** Writes the file (temp + rename) when rows changed since the last write. */
  async flush(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const columns: Record<string, ParquetColumn> = {};
    for (const name of this.#columns) {
      columns[name] = name === 'fold' ? Int32Array.from(this.#rows, (r) => r.fold) : Float64Array.from(this.#rows, (r) => r.values[name] ?? Number.NaN);
    }
    await writeParquetTable(this.file, columns, { timestampMs: ['time'] });
  }
}
