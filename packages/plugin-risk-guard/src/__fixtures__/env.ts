// Test-only helpers: two trivial causal features registered by a tiny indicator plugin, and the real BTC data.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin, importCsv, type Bars, type FeatureDefinition } from '@tradecore/sdk';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BTC_CSV = path.resolve(REPO_ROOT, '../shared/data/btc-usd-1m-binanceus-2023-03/BTCUSD_1m_20230301_20230321.csv');
export const BTC_EXISTS = existsSync(BTC_CSV);
if (!BTC_EXISTS) console.warn(`[skip] ${BTC_CSV} not found: tests on the real BTC data are skipped`);

let btc: Promise<Bars> | undefined;
export function loadBtc(): Promise<Bars> {
  btc ??= importCsv(BTC_CSV);
  return btc;
}

/** log(close[i] / close[i-1]); warm-up 1. */
export const logReturn: FeatureDefinition = {
  id: 'test.logReturn',
  inputs: ['close'],
  outputs: [{ name: 'log_return', normalization: { kind: 'scale', factor: 100 } }],
  warmup: 1,
  batch(bars, out) {
    const o = out[0] as Float64Array;
    const c = bars.close;
    for (let i = 1; i < bars.length; i++) o[i] = Math.log((c[i] as number) / (c[i - 1] as number));
  },
  stream() {
    let prev = Number.NaN;
    const v = [Number.NaN];
    return {
      update(bar) {
        v[0] = Math.log(bar.close / prev);
        prev = bar.close;
        return v;
      },
    };
  },
};

/** Simple moving average of close over `n` bars, normalised relative to close. */
export function sma(n: number): FeatureDefinition {
  return {
    id: `test.sma${n}`,
    inputs: ['close'],
    outputs: [{ name: `sma_${n}`, normalization: { kind: 'relative-to-close' } }],
    warmup: n - 1,
    batch(bars, out) {
      const o = out[0] as Float64Array;
      const c = bars.close;
      let sum = 0;
      for (let i = 0; i < bars.length; i++) {
        sum += c[i] as number;
        if (i >= n) sum -= c[i - n] as number;
        if (i >= n - 1) o[i] = sum / n;
      }
    },
    stream() {
      const buf: number[] = [];
      const v = [Number.NaN];
      return {
        update(bar) {
          buf.push(bar.close);
          if (buf.length > n) buf.shift();
          v[0] = buf.length === n ? buf.reduce((a, b) => a + b, 0) / n : Number.NaN;
          return v;
        },
      };
    },
  };
}

/** Registers `logReturn` and `sma(20)`. */
export const testFeatures = definePlugin({
  name: 'test-features',
  version: '0.0.0',
  kind: 'indicator',
  setup(hooks) {
    hooks.features.tap('test-features', (registry) => {
      registry.add(logReturn);
      registry.add(sma(20));
    });
  },
});

/** A tiny bar series from [open, high, low, close] rows, one minute apart. */
export function barsFrom(rows: readonly (readonly [number, number, number, number])[]): Bars {
  const col = (k: number) => Float64Array.from(rows, (r) => r[k] as number);
  return {
    length: rows.length,
    time: Float64Array.from(rows, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    volume: new Float64Array(rows.length).fill(1),
  };
}
