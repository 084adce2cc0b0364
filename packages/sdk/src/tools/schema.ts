import Type, { type Static } from 'typebox';
import { PLUGIN_NAME_PATTERN } from './resolve.ts';

/**
 * A plugin named as data, in a config's `plugins` array or a tool manifest's `tools`:
 * `{ "name": "risk-guard", "options": { "riskPct": 0.005 } }`.
 */
export const PluginEntrySchema = Type.Object(
  {
    name: Type.String({
      pattern: PLUGIN_NAME_PATTERN,
      description:
        "Short name ('rsi' → @tradecore/plugin-rsi, then tradecore-plugin-rsi; 'trainer-gpu' → @tradecore/trainer-gpu), a full package name, or '<name>:<sub>' for a package's second plugin ('risk-guard:trailing-stop').",
    }),
    enabled: Type.Boolean({ default: true, description: 'Set false to keep the entry but not load the plugin.' }),
    options: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Options passed to the plugin's factory; checked by its schema." }),
  },
  { additionalProperties: false },
);

/** A tool manifest entry: a plugin entry naming an indicator plugin. */
export const ToolEntrySchema = PluginEntrySchema;

/** A JSON tool manifest (e.g. `configs/tools/default.json`): indicator plugins enabled by name, with options. */
export const ToolManifestSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    tools: Type.Array(ToolEntrySchema, { description: 'Indicator plugins, in the order their features are registered.' }),
  },
  { additionalProperties: false },
);

export type PluginEntry = Static<typeof PluginEntrySchema>;
/** A plugin entry as a user writes it: `enabled` and `options` may be left out. */
export type PluginEntryInput = { name: string; enabled?: boolean; options?: Record<string, unknown> };
export type ToolEntry = PluginEntry;
export type ToolManifest = Static<typeof ToolManifestSchema>;
