import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleKernels, kernelsModule } from '../../scripts/build-kernels.ts';
import { Rng } from '../rng.ts';
import { instantiateKernels } from './network.ts';

function instantiate() {
  const exports = instantiateKernels();
  exports.memory.grow(15);
  return { gemm: exports.gemm, tanh: exports.tanh, f: new Float32Array(exports.memory.buffer) };
}

describe('the SIMD kernels', () => {
  it('the committed module is kernels.wat assembled', async () => {
    expect(kernelsModule(await assembleKernels())).toBe(readFileSync(new URL('./kernels.wasm.ts', import.meta.url), 'utf8'));
  });

  it('gemm matches a float64 product for every epilogue, shape and stride, odd row counts included', () => {
    const { gemm, f } = instantiate();
    const rng = new Rng(11);
    for (const [m, k, n] of [
      [1, 1, 4],
      [5, 3, 4],
      [7, 9, 20],
      [32, 54, 64],
      [33, 17, 36],
      [2, 64, 16],
    ] as const) {
      for (const transposed of [false, true]) {
        for (const mode of [0, 1, 2]) {
          // A is m × k, stored row-major or (transposed) as k × m read in place.
          const A = 0;
          const B = A + m * k;
          const C = B + k * n;
          const bias = C + m * n;
          const E = bias + n;
          for (let i = 0; i < E + m * n; i++) f[i] = rng.normal();
          const [sai, sak] = transposed ? [1, m] : [k, 1];
          gemm(A * 4, sai, sak, B * 4, C * 4, m, k, n, mode, bias * 4, E * 4);
          let worst = 0;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let acc = 0;
              for (let p = 0; p < k; p++) acc += f[A + i * sai + p * sak]! * f[B + p * n + j]!;
              const e = f[E + i * n + j]!;
              const want = mode === 0 ? acc : mode === 1 ? acc + f[bias + j]! : acc * (1 - e * e);
              worst = Math.max(worst, Math.abs(f[C + i * n + j]! - want) / Math.max(1, Math.abs(want)));
            }
          }
          expect(worst, `m ${m} k ${k} n ${n} mode ${mode}${transposed ? ' transposed' : ''}`).toBeLessThan(2e-6 * Math.sqrt(k) + 1e-6);
        }
      }
    }
  });

  it('its tanh is within 6 float32 ulps of Math.tanh from −20 to 20 (measured: 4.7), exact at 0, tiny values and ±∞, and keeps NaN', () => {
    const { tanh, f } = instantiate();
    const count = 40_000;
    for (let i = 0; i < count; i++) f[i] = -20 + (40 * i) / (count - 1);
    const x = f.slice(0, count);
    tanh(0, count);
    let worst = 0;
    for (let i = 0; i < count; i++) {
      const want = Math.tanh(x[i]!);
      const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** -126))) - 23);
      worst = Math.max(worst, Math.abs(f[i]! - want) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(6);
    f.set([0, -0, Infinity, -Infinity, Number.NaN, 1e-30, -1e-30, 8]);
    tanh(0, 8);
    expect(Array.from(f.subarray(0, 8))).toEqual([0, -0, 1, -1, Number.NaN, Math.fround(1e-30), Math.fround(-1e-30), 1]);
  });
});
