import { defineConfig } from '@tradecore/sdk';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import { rsiPlugin } from '@tradecore/plugin-rsi';
import { vwapPlugin } from '@tradecore/plugin-vwap';
import { zscorePlugin } from '@tradecore/plugin-zscore';
import { ppo } from '@tradecore/trainer-gpu';

// `tradecore run` trains PPO on the first 80 % of the bars and evaluates the deterministic policy on
// the last 20 % beside flat, buy & hold and random baselines; the archive lands in runs/<id>/.
export default defineConfig({
  // `tradecore data synth` writes this synthetic BTC-USD 1m dataset into ./data (90 days, seed 42).
  dataset: 'synthetic-btc-usd-1m',
  dataDir: './data',
  plugins: [
    vwapPlugin({ session: true }),
    zscorePlugin({ source: 'close', period: 60 }),
    rsiPlugin({ period: 14 }),
    riskGuard({ riskPct: 0.01, stopStepBps: 50, buckets: 4 }),
    ppo({
      backend: 'auto',
      totalSteps: 500_000,
      numEnvs: 32,
      nSteps: 128,
      epochs: 2,
      minibatchSize: 1024,
      hidden: [64, 64],
      learningRate: 3e-4,
      entropyCoef: 0.01,
    }),
  ],
  execution: { takerFeeBps: 5, makerFeeBps: 2 },
  env: { window: 16, episodeLength: 1440 },
  run: { seed: 0, out: 'runs', split: { testFraction: 0.2, walkForwardFolds: 0 } },
});
