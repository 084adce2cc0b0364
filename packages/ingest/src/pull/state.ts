import { readFile } from 'node:fs/promises';
import { type Static, Type, assertId, parseWithSchema, realpathInside, writeFileAtomic } from '@tradecore/sdk';
import { IngestError } from '../errors.ts';

const IsoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' });

/**
 * What a pull persists beside its dataset (`<dataDir>/ingest/<dataset id>.json`) after every lake write:
 * enough to resume exactly where the written bars end.
 */
export const PullStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    dataset: Type.String(),
    exchange: Type.String(),
    /** ccxt's unified symbol, e.g. BTC/USD. */
    symbol: Type.String(),
    /** The exchange's market id, e.g. XXBTZUSD. */
    market: Type.String(),
    timeframe: Type.String(),
    from: Type.Union([Type.Literal('trades'), Type.Literal('ohlcv')]),
    emptyBars: Type.Union([Type.Literal('omit'), Type.Literal('flat')]),
    /** Every bar that starts before this time (and after the pull's start) is in the lake. */
    completeUntil: IsoTime,
    /** Where the next request starts: Kraken trades cursor (digits), or the next candle time for OHLCV. */
    cursor: Type.String({ pattern: '^\\d{1,20}$' }),
    /** The exchange's last cursor seen (Kraken `last`), for diagnosis. */
    lastCursor: Type.Optional(Type.String({ pattern: '^\\d{1,20}$' })),
    updatedAt: IsoTime,
  },
  { additionalProperties: false },
);
export type PullState = Static<typeof PullStateSchema>;

/** `<dataDir>/ingest/<id>.json`, checked to stay inside the data folder (symlinks included). */
export function statePath(dataDir: string, id: string): string {
  return realpathInside(dataDir, ['ingest', `${assertId(id, 'dataset id')}.json`], 'pull state');
}

/** The saved state of a pull into dataset `id`, or null when there is none. Invalid files are errors naming the file. */
export async function readPullState(dataDir: string, id: string): Promise<PullState | null> {
  const file = statePath(dataDir, id);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IngestError(`cannot read the pull state ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new IngestError(`${file} is not valid JSON (${(error as Error).message}); delete it to pull the dataset's range again`);
  }
  return parseWithSchema(PullStateSchema, json, file);
}

/** Replaces the saved state atomically (temp file, fsync, rename). */
export async function writePullState(dataDir: string, state: PullState): Promise<void> {
  await writeFileAtomic(statePath(dataDir, state.dataset), `${JSON.stringify(state, null, 2)}\n`);
}
