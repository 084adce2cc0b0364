import { definePlugin, Type, type Bars, type ColumnName, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import {
  orderFlow,
  orderFlowProxy,
  OrderFlowProxyState,
  OrderFlowState,
  tradeIntensity,
  TradeIntensityState,
} from './orderflow.ts';

export const OrderFlowOptions = Type.Object(
  {
    mode: Type.Union([Type.Literal('auto'), Type.Literal('flow'), Type.Literal('proxy')], {
      default: 'auto',
      description: "'auto': buy/sell volume when the dataset has it, else the OHLCV proxy; 'flow': require buy_volume/sell_volume; 'proxy': always the proxy.",
    }),
    window: Type.Integer({ minimum: 1, default: 20, description: 'Bars in the rolling cumulative delta and the trade-intensity mean.' }),
  },
  { additionalProperties: false },
);
export type OrderFlowOptions = Static<typeof OrderFlowOptions>;

function column(bars: Bars, name: 'buy_volume' | 'sell_volume' | 'trades'): Float64Array {
  const values = bars[name];
  if (!values) throw new Error(`orderflow: the dataset has no "${name}" column (use mode 'proxy' or 'auto')`);
  return values;
}

/** Features `of_imbalance` and `of_delta_<window>` from taker buy/sell volume. */
export function orderFlowFeature(window = 20): FeatureDefinition {
  return {
    id: `orderflow_${window}`,
    inputs: ['buy_volume', 'sell_volume'],
    outputs: [
      { name: 'of_imbalance', normalization: { kind: 'none' }, description: '(buy − sell)/(buy + sell) of the bar, in [−1, 1].' },
      { name: `of_delta_${window}`, normalization: { kind: 'none' }, description: `Σ(buy − sell) over ${window} bars, base-asset units.` },
    ],
    warmup: window - 1,
    batch(bars, [imbalance, delta]) {
      orderFlow(column(bars, 'buy_volume'), column(bars, 'sell_volume'), imbalance!, delta!, window);
    },
    stream: () => new OrderFlowState(window),
  };
}

/** PROXY features `of_proxy_imbalance` (close-location value) and `of_proxy_delta_<window>` (Σ CLV·volume). */
export function orderFlowProxyFeature(window = 20): FeatureDefinition {
  return {
    id: `orderflow_proxy_${window}`,
    inputs: ['high', 'low', 'close', 'volume'],
    outputs: [
      { name: 'of_proxy_imbalance', normalization: { kind: 'none' }, description: 'PROXY (no buy/sell volume): close-location value ((C−L)−(H−C))/(H−L).' },
      { name: `of_proxy_delta_${window}`, normalization: { kind: 'none' }, description: `PROXY (no buy/sell volume): Σ CLV·volume over ${window} bars.` },
    ],
    warmup: window - 1,
    batch(bars, [imbalance, delta]) {
      orderFlowProxy(bars.high, bars.low, bars.close, bars.volume, imbalance!, delta!, window);
    },
    stream: () => new OrderFlowProxyState(window),
  };
}

/** Feature `of_trade_intensity_<window>`: trades / mean trades per bar over the window. */
export function tradeIntensityFeature(window = 20): FeatureDefinition {
  return {
    id: `trade_intensity_${window}`,
    inputs: ['trades'],
    outputs: [{ name: `of_trade_intensity_${window}`, normalization: { kind: 'none' }, description: `Trades / mean trades per bar over ${window} bars.` }],
    warmup: window - 1,
    batch(bars, [out]) {
      tradeIntensity(column(bars, 'trades'), out!, window);
    },
    stream: () => new TradeIntensityState(window),
  };
}

/** Which order-flow features a dataset with these columns gets. */
export function orderFlowFeatures({ mode, window }: OrderFlowOptions, columns: ReadonlySet<ColumnName>): FeatureDefinition[] {
  const hasFlow = columns.has('buy_volume') && columns.has('sell_volume');
  const features: FeatureDefinition[] = [];
  if (mode === 'flow' || (mode === 'auto' && hasFlow)) features.push(orderFlowFeature(window));
  else features.push(orderFlowProxyFeature(window));
  if (mode !== 'proxy' && columns.has('trades')) features.push(tradeIntensityFeature(window));
  return features;
}

/**
 * `orderflow({ mode: 'auto', window: 20 })`: order-flow features from buy/sell volume and trades, or,
 * when the dataset has no buy/sell volume, an OHLCV proxy whose names and descriptions say so.
 */
export const orderFlowPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: OrderFlowOptions,
  setup(hooks, { options, log }) {
    hooks.features.tap(pkg.name, (registry) => {
      const features = orderFlowFeatures(options, registry.availableColumns);
      if (features.some((f) => f.id.startsWith('orderflow_proxy'))) {
        log(
          options.mode === 'proxy'
            ? 'using the OHLCV proxy (close-location value × volume), as configured'
            : 'dataset has no buy_volume/sell_volume: using the OHLCV proxy (close-location value × volume), not real order flow',
        );
      }
      for (const feature of features) registry.add(feature);
    });
  },
});
