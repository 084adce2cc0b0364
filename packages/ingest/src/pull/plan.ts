import { assertDatasetId, assertId, bucketStart, defaultDatasetId, folderOwner, isoTime, normalizeSymbol, parseTimeframe } from '@tradecore/sdk';
import { assertExchangeId } from '../_ids.ts';
import { parseWhen } from '../_time.ts';
import { EMPTY_BARS, type EmptyBars } from '../bars/BarBuilder.ts';
import { IngestError, InvalidOptionError } from '../errors.ts';
import { type DatasetTarget, type ExistingDataset, loadExisting } from '../lake.ts';
import { type PullState, readPullState, statePath } from './state.ts';
import type { PullOptions, PullSource } from './types.ts';

/** A pull resolved against the lake: what to fetch, into which dataset, starting where. */
export interface PullPlan {
  target: DatasetTarget;
  exchange: string;
  /** ccxt's unified symbol, e.g. `BTC/USD`. */
  symbol: string;
  from: PullSource;
  timeframeMs: number;
  /** The requested range, aligned to bars: [rangeStart, rangeEnd). */
  rangeStart: number;
  rangeEnd: number;
  /** Where this run starts (after what the dataset and the saved state already hold) and ends. */
  start: number;
  end: number;
  /** The bar before `start`, for `flat` filling; absent when the run does not continue the dataset's end. */
  previous: { time: number; close: number } | undefined;
  existing: ExistingDataset | null;
  state: PullState | null;
  statePath: string;
  now: number;
}

/** `BTC-USD`, `btc/usd`, `BTC/USD` → ccxt's `BTC/USD`. */
export function unifiedSymbol(symbol: string): string {
  const upper = symbol.trim().toUpperCase();
  if (upper.includes('/')) return upper;
  const parts = upper.split('-');
  return parts.length === 2 ? `${parts[0]}/${parts[1]}` : upper;
}

export async function planPull(options: PullOptions): Promise<PullPlan> {
  const now = options.now?.() ?? Date.now();
  const exchange = assertExchangeId(options.exchange);
  const from = options.from ?? 'trades';
  if (from !== 'trades' && from !== 'ohlcv') throw new InvalidOptionError(`--from must be trades or ohlcv, got "${String(from)}"`);
  const emptyBars: EmptyBars = options.emptyBars ?? 'omit';
  if (!EMPTY_BARS.includes(emptyBars)) throw new InvalidOptionError(`--empty-bars must be ${EMPTY_BARS.join(' or ')}, got "${String(emptyBars)}"`);
  let timeframe;
  try {
    timeframe = parseTimeframe(options.timeframe ?? '1m');
  } catch (error) {
    throw new InvalidOptionError(`--timeframe: ${(error as Error).message}`);
  }
  const tf = timeframe.ms;
  const symbol = unifiedSymbol(options.symbol);
  const lakeSymbol = normalizeSymbol(symbol, 'symbol');
  const source = assertId((options.source ?? exchange).toLowerCase(), 'source');
  const id = options.id !== undefined ? assertDatasetId(options.id) : defaultDatasetId(source, lakeSymbol, timeframe.label);

  const sinceMs = parseWhen(options.since, '--since', now);
  const untilMs = options.until === undefined ? now : parseWhen(options.until, '--until', now);
  // Whole bars only: a bar is in range when it starts at or after `since` and ends by `until` (and by now).
  const first = bucketStart(sinceMs, tf);
  const rangeStart = first === sinceMs ? first : first + tf;
  const rangeEnd = bucketStart(Math.min(untilMs, now), tf);
  if (rangeStart >= rangeEnd) {
    throw new InvalidOptionError(`nothing to pull: no whole ${timeframe.label} bar lies between --since ${isoTime(sinceMs)} and ${options.until === undefined ? 'now' : `--until ${isoTime(untilMs)}`} (${isoTime(Math.min(untilMs, now))})`);
  }

  const target: DatasetTarget = {
    dataDir: options.dataDir,
    id,
    source,
    symbol: lakeSymbol,
    timeframe: timeframe.label,
    emptyBars,
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.compression !== undefined ? { compression: options.compression } : {}),
  };
  const existing = await openTarget(target, from);
  const file = statePath(options.dataDir, id);
  let state = await readPullState(options.dataDir, id);
  if (state) {
    const mismatch = (['exchange', 'symbol', 'timeframe', 'from', 'emptyBars'] as const).find(
      (k) => state?.[k] !== { exchange, symbol, timeframe: timeframe.label, from, emptyBars }[k],
    );
    if (mismatch) {
      throw new IngestError(
        `dataset "${id}" was pulled with ${mismatch} ${JSON.stringify(state[mismatch])}, not ${JSON.stringify({ exchange, symbol, timeframe: timeframe.label, from, emptyBars }[mismatch])} (${file}); a dataset keeps one source and one way of storing empty bars: choose another --id`,
      );
    }
  }
  // A state without the dataset it describes (its manifest was deleted) says nothing about the lake.
  if (!existing) state = null;

  // Skip what is already there: continue after the dataset's end (or the saved state's, which can be later
  // when the last minutes had no trades), or fill the range before its first bar.
  let start = rangeStart;
  let end = rangeEnd;
  let previous: PullPlan['previous'];
  const savedUntil = state ? Date.parse(state.completeUntil) : Number.NEGATIVE_INFINITY;
  if (existing) {
    const coveredEnd = Math.max(existing.last.time + tf, savedUntil);
    if (rangeStart >= existing.first) {
      start = Math.max(rangeStart, coveredEnd);
      if (start === coveredEnd) previous = existing.last;
    } else end = Math.min(rangeEnd, existing.first);
  }

  return {
    target,
    exchange,
    symbol,
    from,
    timeframeMs: tf,
    rangeStart,
    rangeEnd,
    start,
    end,
    previous,
    existing,
    state,
    statePath: file,
    now,
  };
}

/**
 * The dataset a pull or a stream writes, when it exists, after checking that these bars may go into it: same
 * source, symbol and timeframe, same way of storing empty bars, same columns; and that a new dataset does not
 * land in a lake folder another dataset holds. Checked before any request, each refusal naming the way out.
 */
export async function openTarget(target: DatasetTarget, from: PullSource): Promise<ExistingDataset | null> {
  const { dataDir, id, source, symbol, timeframe, emptyBars } = target;
  const existing = await loadExisting(dataDir, id);
  if (existing) {
    const m = existing.manifest;
    if (m.source !== source || m.symbol !== symbol || m.timeframe !== timeframe) {
      throw new IngestError(`dataset "${id}" holds ${m.source} ${m.symbol} ${m.timeframe} bars, not ${source} ${symbol} ${timeframe}; choose another --id`);
    }
    if (m.emptyBars !== undefined && m.emptyBars !== emptyBars) {
      throw new IngestError(`dataset "${id}" stores periods without trades as ${m.emptyBars} (its manifest says emptyBars "${m.emptyBars}"); use --empty-bars ${m.emptyBars}, or another --id`);
    }
    const columns = m.columns.map((c) => c.name).join(',');
    const want = from === 'trades' ? 'time,open,high,low,close,volume,trades,buy_volume,sell_volume' : 'time,open,high,low,close,volume';
    if (columns !== want) {
      throw new IngestError(`dataset "${id}" has the columns ${columns}; bars built --from ${from} have ${want}: write them to a dataset of their own, e.g. --source ${source}-${from} (dataset ${defaultDatasetId(`${source}-${from}`, symbol, timeframe)})`);
    }
    return existing;
  }
  const owner = await folderOwner(dataDir, { source, symbol, timeframe }, id);
  if (owner) {
    throw new IngestError(
      `dataset "${id}" would be written to the lake folder of dataset "${owner}" (${source} ${symbol} ${timeframe}; a folder holds one dataset): add to "${owner}" with --id ${owner}, or give the new one its own folder, e.g. --source ${source}-${from}`,
    );
  }
  return null;
}
