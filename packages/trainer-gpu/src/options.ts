import { Type, type Static } from '@tradecore/sdk';
import { BACKEND_NAMES } from './backend.ts';

/** PPO hyper-parameters and run settings; every field has a default. */
export const PpoOptionsSchema = Type.Object(
  {
    // Literals spelled out: a mapped array loses the tuple type and `Static` (so `ppo({ backend })`) becomes `undefined`.
    backend: Type.Union(
      [Type.Literal('auto'), Type.Literal('tensorflow-gpu'), Type.Literal('tensorflow'), Type.Literal('wasm'), Type.Literal('cpu')],
      { default: 'auto', description: 'tfjs backend: auto tries tensorflow-gpu, tensorflow, wasm, cpu in that order.' },
    ),
    totalSteps: Type.Integer({ minimum: 1, default: 200_000, description: 'Env steps to train for (summed over all envs).' }),
    numEnvs: Type.Integer({ minimum: 1, maximum: 4096, default: 16, description: 'Parallel environments in the VecEnv.' }),
    nSteps: Type.Integer({ minimum: 1, default: 128, description: 'Steps per env per rollout.' }),
    epochs: Type.Integer({ minimum: 1, default: 3, description: 'Passes over each rollout.' }),
    minibatchSize: Type.Integer({ minimum: 1, default: 512 }),
    learningRate: Type.Number({ exclusiveMinimum: 0, default: 3e-4 }),
    lrSchedule: Type.Union([Type.Literal('constant'), Type.Literal('linear')], {
      default: 'linear',
      description: 'linear: decays the learning rate to 0 over totalSteps.',
    }),
    gamma: Type.Number({ minimum: 0, maximum: 1, default: 0.99 }),
    gaeLambda: Type.Number({ minimum: 0, maximum: 1, default: 0.95 }),
    clipRange: Type.Number({ exclusiveMinimum: 0, default: 0.2 }),
    entropyCoef: Type.Number({ minimum: 0, default: 0.01 }),
    valueCoef: Type.Number({ minimum: 0, default: 0.5 }),
    maxGradNorm: Type.Number({ exclusiveMinimum: 0, default: 0.5 }),
    hidden: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, default: [64, 64], description: 'Hidden widths of the actor and critic towers.' }),
    normalizeObservations: Type.Boolean({ default: true }),
    normalizeRewards: Type.Boolean({ default: true, description: 'Divide rewards by the running std of the discounted return.' }),
    clipObservation: Type.Number({ exclusiveMinimum: 0, default: 10 }),
    checkpointEvery: Type.Integer({ minimum: 0, default: 10, description: 'Updates between checkpoints; each such segment starts fresh seeded episodes, so a resumed run equals an uninterrupted one (0: one checkpoint, at the end).' }),
  },
  { additionalProperties: false, default: {} },
);

export type PpoOptions = Static<typeof PpoOptionsSchema>;

// Every backend the selector knows is one the schema accepts.
BACKEND_NAMES satisfies readonly PpoOptions['backend'][];
