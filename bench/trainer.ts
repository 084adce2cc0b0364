// `pnpm bench trainer`: end-to-end PPO training env-steps/s on the real TradingEnv (demo dataset, the
// template app's plugins) per available tfjs backend, and inference actions/s of the trained policy.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import { rsiPlugin } from '@tradecore/plugin-rsi';
import { vwapPlugin } from '@tradecore/plugin-vwap';
import { zscorePlugin } from '@tradecore/plugin-zscore';
import { createVecEnv, readDataset, type VecEnv } from '@tradecore/sdk';
import { BACKEND_NAMES, BackendUnavailableError, describeAdapter, PpoTrainer, resolvePpoOptions, selectBackend, type ConcreteBackend, type SelectedBackend } from '@tradecore/trainer-gpu';

const DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));
const NUM_ENVS = 32;
const N_STEPS = 128;
/** Same network and PPO settings as templates/app/tradecore.config.ts. */
const PPO = { numEnvs: NUM_ENVS, nSteps: N_STEPS, epochs: 2, minibatchSize: 1024, hidden: [64, 64] };
const UPDATES: Record<ConcreteBackend, number> = { 'tensorflow-gpu': 16, webgpu: 8, tensorflow: 16, wasm: 8, cpu: 2 };
/** End-to-end goal for CPU training on a 2-core machine. */
const CPU_GOAL = 25_000;

interface Row {
  backend: string;
  status: string;
  wall?: number;
  cpu?: number;
  split?: string;
  batched?: number;
  single?: number;
}

const fmt = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

async function measure(backend: ConcreteBackend, env: VecEnv): Promise<Row> {
  let selected: SelectedBackend;
  try {
    // webgpu named explicitly also runs on a software adapter (SwiftShader): measured, and labelled as such.
    selected = await selectBackend(backend);
  } catch (error) {
    if (error instanceof BackendUnavailableError) return { backend, status: `skipped: ${error.message.split('. Install')[0]!.replace(/^trainer backend "[^"]+" is not available: /, '')}` };
    throw error;
  }
  const rollout = NUM_ENVS * N_STEPS;
  const updates = selected.adapter?.software ? 1 : UPDATES[backend];
  const options = resolvePpoOptions({ ...PPO, backend, totalSteps: rollout * (updates + 1) }, {});
  const trainer = await PpoTrainer.create({ observationSize: env.observationSize, numActions: env.numActions, seed: 1, options, backend: selected });
  try {
    // One update warms up kernels and memory; then the timed updates.
    await trainer.train({ env, totalSteps: rollout });
    const cpu0 = process.cpuUsage();
    const result = await trainer.train({ env });
    const used = process.cpuUsage(cpu0);
    const steps = result.steps - rollout;
    const t = result.timings;
    const split = `inference ${((t.inference / result.seconds) * 100).toFixed(0)} %, env ${((t.env / result.seconds) * 100).toFixed(0)} %, update ${((t.update / result.seconds) * 100).toFixed(0)} %`;

    const actions = new Int32Array(NUM_ENVS);
    const actFor = (count: number, ms: number) => {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        trainer.act(env.observations, env.masks, count, actions);
        n += count;
      }
      return (n / (performance.now() - start)) * 1000;
    };
    actFor(NUM_ENVS, 200);
    return {
      backend,
      status: selected.adapter ? `ran on ${describeAdapter(selected.adapter)}${selected.adapter.software ? ' (software: CPU)' : ''}` : 'ran',
      wall: result.stepsPerSecond,
      cpu: steps / ((used.user + used.system) / 1e6),
      split,
      batched: actFor(NUM_ENVS, 1500),
      single: actFor(1, 1500),
    };
  } finally {
    trainer.dispose();
  }
}

export async function run(): Promise<string> {
  const { bars } = await readDataset('synthetic-btc-usd-1m', { dataDir: DATA_DIR });
  const plugins = [vwapPlugin({ session: true }), zscorePlugin({ source: 'close', period: 60 }), rsiPlugin({ period: 14 }), riskGuard()];
  const env = await createVecEnv({ bars, plugins, env: { window: 16, episodeLength: 1440 }, numEnvs: NUM_ENVS, range: { start: 0, end: Math.floor(bars.length * 0.8) }, recordLedger: false });
  const rows: Row[] = [];
  const only = process.env.TRADECORE_BENCH_BACKENDS?.split(',').map((b) => b.trim());
  for (const backend of BACKEND_NAMES.filter((b) => b !== 'auto') as ConcreteBackend[]) {
    if (!only || only.includes(backend)) rows.push(await measure(backend, env));
  }
  const cpuBest = Math.max(0, ...rows.filter((r) => r.backend === 'wasm' || r.backend === 'cpu').map((r) => r.wall ?? 0));
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  return [
    '## Trainer (PPO on TensorFlow.js)',
    '',
    `End to end: rollout on the real \`VecEnv\` (${NUM_ENVS} envs, demo dataset ${bars.length.toLocaleString('en-US')} × 1m bars, VWAP + z-score + RSI, window 16, observation ${env.observationSize}, ${env.numActions} actions) with batched inference, then PPO updates (${PPO.epochs} epochs, minibatch ${PPO.minibatchSize}, actor and critic ${PPO.hidden.join('×')} tanh). One warm-up update, then ${UPDATES.wasm} timed updates (webgpu on a software adapter: 1) of ${(NUM_ENVS * N_STEPS).toLocaleString('en-US')} steps (wasm). CPU-time rate = steps / CPU seconds of this process (steadier than wall time on a shared machine). Load average during the run: ${load}.`,
    '',
    '| backend | status | env-steps/s (wall) | env-steps/s (CPU time) | time split | inference actions/s (batch 32) | inference actions/s (batch 1) |',
    '| --- | --- | ---: | ---: | --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.backend} | ${r.status} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${r.split ?? '–'} | ${fmt(r.batched)} | ${fmt(r.single)} |`),
    '',
    `CPU goal ≥ ${CPU_GOAL.toLocaleString('en-US')} env-steps/s (wall): best CPU backend ${fmt(cpuBest)} = ${(cpuBest / CPU_GOAL).toFixed(2)}× the goal. Set \`TRADECORE_BENCH_BACKENDS=webgpu,wasm\` to measure a subset.`,
    '',
  ].join('\n');
}
