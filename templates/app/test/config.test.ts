import { fileURLToPath } from 'node:url';
import { createEngine, createEnv, generateSynthetic, loadConfig, type LoadedConfig } from '@tradecore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

describe('tradecore.config.ts', () => {
  // Loaded once: it imports every plugin package, the trainer's TensorFlow.js included.
  let loaded: LoadedConfig;
  beforeAll(async () => {
    loaded = await loadConfig({ cwd: projectRoot });
  });

  it('loads, validates and has exactly the one risk guard an environment needs', async () => {
    const engine = await createEngine({ plugins: loaded.config.plugins });
    expect(engine.riskGuard?.name).toBe('@tradecore/plugin-risk-guard');
    expect(engine.plugins.some((plugin) => plugin.kind === 'trainer'), 'a trainer plugin').toBe(true);
  });

  it('registers the indicator features on a dataset with the usual columns', async () => {
    const engine = await createEngine({ plugins: loaded.config.plugins });
    const features = engine.collectFeatures(['time', 'open', 'high', 'low', 'close', 'volume', 'trades', 'buy_volume', 'sell_volume']);
    const outputs = features.flatMap((feature) => feature.outputs.map((output) => output.name));
    expect(outputs.length, `features: ${outputs.join(', ')}`).toBeGreaterThanOrEqual(3);
  });

  it('runs an episode on synthetic bars with every position sized by the guard', async () => {
    const { config } = loaded;
    const env = await createEnv({
      bars: generateSynthetic({ seed: 3, days: 2 }),
      plugins: config.plugins,
      execution: config.execution,
      env: { ...config.env, episodeLength: 300 },
      seed: 1,
    });
    env.reset();
    let result;
    let step = 0;
    do {
      // Cycle through whatever the mask allows: entries, holds and closes all get exercised.
      const mask = env.actionMask();
      const allowed = [...mask.keys()].filter((action) => mask[action] === 1);
      result = env.step(allowed[step++ % allowed.length]!);
      expect(Number.isFinite(result.info.equity), `equity at step ${step}`).toBe(true);
      if (result.info.position !== 0) expect(Number.isFinite(result.info.stopPrice), 'no position without a stop').toBe(true);
    } while (!result.terminated && !result.truncated);
    expect(result.info.step).toBeGreaterThan(0);
  });
});
