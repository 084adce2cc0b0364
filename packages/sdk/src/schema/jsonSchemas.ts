import type { TSchema } from 'typebox';
import { ConfigSchema } from '../config/schema.ts';
import { ToolManifestSchema } from '../tools/schema.ts';
import { DatasetManifestSchema } from '../data/manifest.ts';

/** The JSON Schema dialect every shipped schema declares (pinned; see STYLE: never an open dialect). */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Schemas shipped as files in `@tradecore/sdk/schemas/*.json`, keyed by file name. Add one line per
 * schema; `pnpm --filter @tradecore/sdk schemas` rewrites the files and a test checks they are current.
 */
export const SHIPPED_SCHEMAS: Readonly<Record<string, { title: string; schema: TSchema }>> = {
  'config.schema.json': { title: 'TradeCore config', schema: ConfigSchema },
  'tool-manifest.schema.json': { title: 'TradeCore tool manifest', schema: ToolManifestSchema },
  'dataset-manifest.schema.json': { title: 'TradeCore dataset manifest', schema: DatasetManifestSchema },
};

type JsonNode = { [key: string]: unknown };

/** Properties that have a default are optional for whoever writes the file; TypeBox lists them as required. */
export function relaxDefaulted(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relaxDefaulted);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonNode = {};
  for (const [key, value] of Object.entries(node)) out[key] = relaxDefaulted(value);
  const properties = out.properties as Record<string, JsonNode> | undefined;
  if (Array.isArray(out.required) && properties) {
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** The JSON text of a shipped schema file. */
export function renderJsonSchema(file: string): string {
  const entry = SHIPPED_SCHEMAS[file];
  if (!entry) throw new Error(`unknown schema file ${file}`);
  const document = {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `https://unpkg.com/@tradecore/sdk/schemas/${file}`,
    title: entry.title,
    ...(relaxDefaulted(JSON.parse(JSON.stringify(entry.schema))) as JsonNode),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
