import { type Bar, type FeatureDefinition, type StreamingFeature, featuresFor, loadToolManifest, readDataset, resolveTools } from '@tradecore/sdk';

/** The columns a streamed dataset has; indicators may read any of them. */
const STREAM_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades', 'buy_volume', 'sell_volume'] as const;

/** Streaming states of the indicators a tool manifest enables, fed one closed bar at a time. */
export interface LiveFeatures {
  /** Output names, in order. */
  readonly names: readonly string[];
  /** Adds a bar; returns each output's value for it (NaN during warm-up). */
  update(bar: Bar): Record<string, number>;
}

/**
 * Loads a tool manifest (`configs/tools/*.json`), resolves its indicator plugins from `cwd` and creates their
 * streaming states. When the stream continues a dataset, the states are first fed every stored bar, so the
 * first live value equals what the batch function gives over the whole series.
 */
export async function loadLiveFeatures(file: string, { cwd, dataDir, datasetId }: { cwd: string; dataDir: string; datasetId: string | null }): Promise<LiveFeatures> {
  const { manifest, file: absolute } = await loadToolManifest(file);
  const plugins = await resolveTools(manifest, { cwd, source: absolute });
  const definitions: FeatureDefinition[] = [];
  for (const plugin of plugins) definitions.push(...(await featuresFor(plugin, STREAM_COLUMNS)));
  const states: StreamingFeature[] = definitions.map((d) => d.stream());
  const names = definitions.flatMap((d) => d.outputs.map((o) => o.name));
  const update = (bar: Bar): Record<string, number> => {
    const values: Record<string, number> = {};
    states.forEach((state, k) => {
      const out = state.update(bar);
      (definitions[k] as FeatureDefinition).outputs.forEach((o, j) => {
        values[o.name] = out[j] as number;
      });
    });
    return values;
  };
  if (datasetId) {
    const { bars } = await readDataset(datasetId, { dataDir, validate: false });
    const bar: Bar = { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
    for (let i = 0; i < bars.length; i++) {
      bar.time = bars.time[i] as number;
      bar.open = bars.open[i] as number;
      bar.high = bars.high[i] as number;
      bar.low = bars.low[i] as number;
      bar.close = bars.close[i] as number;
      bar.volume = bars.volume[i] as number;
      if (bars.trades) bar.trades = bars.trades[i] as number;
      if (bars.buy_volume) bar.buy_volume = bars.buy_volume[i] as number;
      if (bars.sell_volume) bar.sell_volume = bars.sell_volume[i] as number;
      update(bar);
    }
  }
  return { names, update };
}
