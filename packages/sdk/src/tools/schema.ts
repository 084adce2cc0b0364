import Type, { type Static } from 'typebox';

export const ToolEntrySchema = Type.Object(
  {
    name: Type.String({
      pattern: '^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$',
      description: "Short name ('vwap' → @tradecore/plugin-vwap, then tradecore-plugin-vwap) or a full package name.",
    }),
    enabled: Type.Boolean({ default: true, description: 'Set false to keep the entry but not load the plugin.' }),
    options: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Options passed to the plugin's factory; checked by its schema." }),
  },
  { additionalProperties: false },
);

/** A JSON tool manifest (e.g. `configs/tools/default.json`): indicator plugins enabled by name, with options. */
export const ToolManifestSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    tools: Type.Array(ToolEntrySchema, { description: 'Indicator plugins, in the order their features are registered.' }),
  },
  { additionalProperties: false },
);

export type ToolEntry = Static<typeof ToolEntrySchema>;
export type ToolManifest = Static<typeof ToolManifestSchema>;
