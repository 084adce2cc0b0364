import { createRequire } from 'node:module';
import path from 'node:path';
import {
  definePlugin,
  parseWithSchema,
  type TrainerCreateContext,
  type TrainerDefinition,
  type TrainerPlan,
  type TrainerSession,
  type TrainOutcome,
  type TrainRequest,
} from '@tradecore/sdk';
import { PpoOptionsSchema, type PpoOptions } from './options.ts';
import { PpoTrainer } from './ppo.ts';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };
export const PACKAGE_NAME = pkg.name;
export const PACKAGE_VERSION = pkg.version;

/** Plugin options merged with the config's `trainer` section, validated, defaults applied. */
export function resolvePpoOptions(base: Partial<PpoOptions>, overrides: Readonly<Record<string, unknown>>): PpoOptions {
  return parseWithSchema(PpoOptionsSchema, { ...base, ...overrides }, 'trainer options (ppo plugin options + config "trainer")') as PpoOptions;
}

/** Wraps a {@link PpoTrainer} in the runner's {@link TrainerSession} interface. */
export function ppoSession(trainer: PpoTrainer, log: (line: string) => void = () => {}): TrainerSession {
  return {
    backend: trainer.backend.backend,
    backendReport: trainer.backend.attempts,
    runtimeVersions: { '@tensorflow/tfjs-core': trainer.tf.version_core, '@tensorflow/tfjs-layers': trainer.tf.version_layers, tfBackend: trainer.backend.tfBackend },
    act: (observations, masks, count, actions) => trainer.act(observations, masks, count, actions, true),
    async train({ env, onProgress, onResume, checkpointDir, resume, signal }: TrainRequest): Promise<TrainOutcome> {
      let resumedFromSteps = 0;
      let resumedFrom: string | undefined;
      if (resume) {
        const restored = await trainer.restoreLatest(checkpointDir, log);
        if (restored) {
          resumedFromSteps = restored.steps;
          resumedFrom = restored.checkpoint;
          onResume?.({ checkpoint: restored.checkpoint, steps: restored.steps });
        }
      }
      const result = await trainer.train({
        env,
        checkpointDir,
        ...(signal ? { signal } : {}),
        onProgress: (p) =>
          onProgress?.({
            steps: p.steps,
            totalSteps: p.totalSteps,
            meanEpisodeReturn: p.meanEpisodeReturn,
            meanStepReward: p.meanStepReward,
            stepsPerSecond: p.stepsPerSecond,
            stats: {
              update: p.update,
              learningRate: p.learningRate,
              policyLoss: p.policyLoss,
              valueLoss: p.valueLoss,
              entropy: p.entropy,
              approxKl: p.approxKl,
              clipFraction: p.clipFraction,
            },
          }),
      });
      if (result.aborted) {
        const latest = PpoTrainer.latestCheckpoint(checkpointDir);
        throw new Error(`training aborted at step ${result.steps}; ${latest ? `a resume continues from ${path.basename(latest)}` : 'no checkpoint yet: a resume starts training from the beginning'}`);
      }
      return { steps: result.steps, seconds: result.seconds, stepsPerSecond: result.stepsPerSecond, resumedFromSteps, ...(resumedFrom ? { resumedFrom } : {}) };
    },
    saveModel: (dir) => trainer.saveModel(dir),
    loadModel: (dir) => trainer.loadWeights(dir),
    dispose: () => trainer.dispose(),
  };
}

/** The PPO {@link TrainerDefinition} for given plugin options. */
export function ppoTrainerDefinition(options: PpoOptions): TrainerDefinition {
  return {
    name: 'ppo',
    plan(overrides): TrainerPlan {
      const resolved = resolvePpoOptions(options, overrides);
      return { numEnvs: resolved.numEnvs, totalSteps: resolved.totalSteps, options: resolved };
    },
    async create({ observationSize, numActions, seed, overrides, log }: TrainerCreateContext): Promise<TrainerSession> {
      const resolved = resolvePpoOptions(options, overrides);
      const trainer = await PpoTrainer.create({ observationSize, numActions, seed, options: resolved });
      log(`PPO: ${resolved.numEnvs} envs × ${resolved.nSteps} steps per update, ${resolved.epochs} epochs, minibatch ${resolved.minibatchSize}, hidden ${resolved.hidden.join('×')}`);
      return ppoSession(trainer, log);
    },
  };
}

/**
 * The PPO trainer plugin: `plugins: [..., ppo({ totalSteps: 100_000, backend: 'auto' })]`.
 * The config's `trainer` section overrides these options per run.
 */
export const ppo = definePlugin({
  name: PACKAGE_NAME,
  version: PACKAGE_VERSION,
  kind: 'trainer',
  optionsSchema: PpoOptionsSchema,
  setup(hooks, { options }) {
    hooks.trainer.tap(PACKAGE_NAME, (registry) => registry.add(ppoTrainerDefinition(options)));
  },
});
