import { contractBars, createTestEngine, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import type { ColumnName } from '@tradecore/sdk';
import { describe, expect, it } from 'vitest';
import { orderFlow, orderFlowPlugin, orderFlowProxy, rollingSum, tradeIntensity } from './index.ts';

const OHLCV: ColumnName[] = ['time', 'open', 'high', 'low', 'close', 'volume'];
const FLOW: ColumnName[] = [...OHLCV, 'trades', 'buy_volume', 'sell_volume'];

describe('order flow from buy/sell volume', () => {
  it('imbalance and rolling cumulative delta follow their definitions', () => {
    const buy = Float64Array.of(3, 1, 0, 2, 5);
    const sell = Float64Array.of(1, 1, 0, 6, 0);
    const imbalance = new Float64Array(5);
    const delta = new Float64Array(5);
    orderFlow(buy, sell, imbalance, delta, 3);
    expect(Array.from(imbalance)).toEqual([0.5, 0, 0, -0.5, 1]);
    expect(Array.from(delta)).toEqual([2, 2, 2, -4, 1]);
  });

  it('trade intensity is trades over the window mean (0 when the window saw none)', () => {
    const trades = Float64Array.of(10, 30, 0, 0, 0, 0, 20);
    const out = new Float64Array(7);
    tradeIntensity(trades, out, 2);
    expect(Array.from(out)).toEqual([1, 1.5, 0, 0, 0, 0, 2]);
  });

  it('rolling sums of a long series stay exact where the window is all zeros', () => {
    const x = new Float64Array(100);
    for (let i = 0; i < 50; i++) x[i] = 0.1 * ((i % 7) - 3) + 1e-7;
    const out = new Float64Array(100);
    rollingSum(x, out, 10);
    for (let i = 59; i < 100; i++) expect(out[i]).toBe(0);
  });
});

describe('OHLCV proxy', () => {
  it('uses close-location value × volume', () => {
    const h = Float64Array.of(10, 10, 5);
    const l = Float64Array.of(0, 0, 5);
    const c = Float64Array.of(10, 2.5, 5);
    const v = Float64Array.of(1, 2, 3);
    const imbalance = new Float64Array(3);
    const delta = new Float64Array(3);
    orderFlowProxy(h, l, c, v, imbalance, delta, 2);
    expect(Array.from(imbalance)).toEqual([1, -0.5, 0]);
    expect(Array.from(delta)).toEqual([1, 0, -1]);
  });
});

describe('plugin: picks flow or proxy from the dataset columns', () => {
  it('uses buy/sell volume and trades when the dataset has them', async () => {
    const engine = await createTestEngine({ plugins: [orderFlowPlugin()] });
    const names = engine.collectFeatures(FLOW).flatMap((d) => d.outputs.map((o) => o.name));
    expect(names).toEqual(['of_imbalance', 'of_delta_20', 'of_trade_intensity_20']);
    expect(engine.logs).toEqual([]);
  });

  it('falls back to the proxy, names it so and logs a note, on OHLCV-only data', async () => {
    const engine = await createTestEngine({ plugins: [orderFlowPlugin()] });
    const definitions = engine.collectFeatures(OHLCV);
    expect(definitions.flatMap((d) => d.outputs.map((o) => o.name))).toEqual(['of_proxy_imbalance', 'of_proxy_delta_20']);
    expect(definitions[0]!.outputs.every((o) => o.description?.startsWith('PROXY'))).toBe(true);
    expect(engine.logs.join('\n')).toMatch(/no buy_volume\/sell_volume: using the OHLCV proxy/);
  });

  it("mode 'flow' declares buy_volume/sell_volume even when missing, so validation can report it", async () => {
    const engine = await createTestEngine({ plugins: [orderFlowPlugin({ mode: 'flow' })] });
    const [definition] = engine.collectFeatures(OHLCV);
    expect(definition!.inputs).toEqual(['buy_volume', 'sell_volume']);
    expect(() => definition!.batch(contractBars({ length: 30, orderFlow: false }), [new Float64Array(30), new Float64Array(30)])).toThrow(
      /no "buy_volume" column/,
    );
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: orderFlowPlugin,
  valid: [{}, { mode: 'proxy' }, { mode: 'flow', window: 1 }],
  invalid: [
    { options: { mode: 'ticks' }, path: 'mode' },
    { options: { window: 0 }, path: 'window' },
    { options: { windows: [5] }, path: 'windows' },
  ],
});
testIndicatorContract({ plugin: orderFlowPlugin() });
testIndicatorContract({ plugin: orderFlowPlugin({ window: 7 }), bars: contractBars({ orderFlow: false }), title: 'indicator contract: order-flow proxy on OHLCV-only bars' });
