import Type, { type Static } from 'typebox';

/**
 * The optional `sweep` block of a config: what `tradecore sweep` runs when no `--grid`/`--seeds` flags are
 * given (flags override it key by key). Plain data, validated like the rest of the config; the sweep itself
 * lives in `@tradecore/sweep`.
 */
export const SweepSchema = Type.Object(
  {
    grid: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.Unknown(), { minItems: 1 }), {
      default: {},
      description: 'Config paths (the `--set` form, e.g. "trainer.learningRate") and the values each takes; every combination is a setting.',
    }),
    seeds: Type.Union([Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), Type.String({ pattern: '^\\s*\\d+\\s*\\.\\.\\s*\\d+\\s*$' })], {
      default: [0],
      description: 'Seeds each setting runs with: a list, or a range "0..4" (inclusive).',
    }),
    random: Type.Optional(
      Type.Object(
        {
          trials: Type.Integer({ minimum: 1, description: 'Settings drawn at random (each combined with every grid setting).' }),
          seed: Type.Integer({ minimum: 0, default: 0, description: 'Seed of the draws: the same seed draws the same settings.' }),
          params: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
            description: 'Config path → distribution: "uniform(a,b)", "loguniform(a,b)", "int(a,b)" or "choice(x,y,…)".',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    metric: Type.String({ default: 'sharpe', description: "The agent's test-split metric the best setting is chosen by (a metrics.json key)." }),
    goal: Type.Union([Type.Literal('max'), Type.Literal('min')], { default: 'max', description: 'Whether a larger or a smaller metric is better.' }),
    workers: Type.Optional(Type.Integer({ minimum: 1, description: 'Local worker processes (default: one per CPU core).' })),
    retries: Type.Integer({ minimum: 0, default: 2, description: 'Times a failed trial is tried again.' }),
  },
  { additionalProperties: false },
);

export type SweepConfig = Static<typeof SweepSchema>;
