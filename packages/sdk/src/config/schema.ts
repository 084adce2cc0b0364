import Type, { type Static } from 'typebox';
import { PluginEntrySchema } from '../tools/schema.ts';

/** Execution settings (fees in basis points of notional). */
export const ExecutionSchema = Type.Object(
  {
    makerFeeBps: Type.Number({ minimum: 0, default: 2, description: 'Fee of a resting limit fill, bps of notional.' }),
    takerFeeBps: Type.Number({ minimum: 0, default: 5, description: 'Fee of market, marketable-limit and stop fills, bps.' }),
    slippageBps: Type.Number({ minimum: 0, exclusiveMaximum: 10_000, default: 0, description: 'Adverse slippage on market and stop fills, bps.' }),
    limitOffsetBps: Type.Number({ minimum: 0, exclusiveMaximum: 10_000, default: 5, description: 'Limit price = close × (1 ∓ offset): below close for a buy, above for a sell.' }),
    limitTtlBars: Type.Integer({ minimum: 1, default: 1, description: 'Bars an unfilled limit order rests before it expires at no cost.' }),
    postOnly: Type.Boolean({ default: false, description: 'Reject a limit order that would be marketable at the open instead of filling it as taker.' }),
    touchFills: Type.Boolean({ default: false, description: 'Fill a resting limit when the bar only touches its price (default: must trade through).' }),
    allowShort: Type.Boolean({ default: true }),
    initialCash: Type.Number({ exclusiveMinimum: 0, default: 10_000, description: 'Starting cash in quote currency.' }),
  },
  { additionalProperties: false, default: {} },
);

/** Environment settings. */
export const EnvSchema = Type.Object(
  {
    window: Type.Integer({ minimum: 1, default: 32, description: 'Bars of each feature in the observation.' }),
    episodeLength: Type.Integer({ minimum: 1, default: 1440, description: 'Steps before an episode is truncated.' }),
    ruinDrawdown: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'Terminate when equity falls this fraction below its initial value.' }),
  },
  { additionalProperties: false, default: {} },
);

export const SplitSchema = Type.Object(
  {
    testFraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2, description: 'Last fraction of the bars held out for evaluation.' }),
    walkForwardFolds: Type.Integer({ minimum: 0, default: 0, description: '0 = one train/test split; n > 0 = n anchored walk-forward folds.' }),
  },
  { additionalProperties: false, default: {} },
);

export const RunSchema = Type.Object(
  {
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: 0, description: 'Seed of every random stream of the run: an integer in 0..2^32-1.' }),
    out: Type.String({ default: 'runs', description: 'Folder that receives runs/<id>/.' }),
    split: SplitSchema,
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    dataset: Type.String({ minLength: 1, description: 'Dataset manifest id (in <dataDir>/manifests) or path to a manifest JSON.' }),
    dataDir: Type.String({ default: './data', description: 'Folder holding lake/ and manifests/, relative to the config file.' }),
    tools: Type.Optional(Type.String({ description: 'Tool manifest JSON enabling indicator plugins by name, relative to the config file.' })),
    plugins: Type.Array(PluginEntrySchema, {
      default: [],
      description:
        'Plugins by name with their options, e.g. { "name": "risk-guard", "options": { "riskPct": 0.005 } }: indicators, execution helpers, exactly one risk guard and one trainer. A TypeScript/JS config may also list plugin objects, e.g. rsiPlugin({ period: 14 }).',
    }),
    execution: ExecutionSchema,
    env: EnvSchema,
    trainer: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Overrides of the trainer plugin's options for this config (e.g. totalSteps)." }),
    run: RunSchema,
  },
  { additionalProperties: false },
);

export type ExecutionConfig = Static<typeof ExecutionSchema>;
export type EnvConfig = Static<typeof EnvSchema>;
export type RunConfig = Static<typeof RunSchema>;
/** A config after loading: defaults applied, validated. */
export type ResolvedConfig = Static<typeof ConfigSchema>;
