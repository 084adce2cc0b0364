/**
 * Generates the config reference, docs/config.md, from the TypeBox schemas: the config file's own sections
 * (packages/sdk/src/config/schema.ts), the trainer options and every first-party plugin's options. Also
 * refreshes the options table in each plugin package's README (between `<!-- options:start -->` and
 * `<!-- options:end -->`). A test (packages/create-tradecore/src/docs-config.test.ts) fails when a committed
 * file differs from what this produces.
 *
 *   pnpm docs:config           # write the files
 *   pnpm docs:config --check   # exit 1 listing stale files, write nothing
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The part of a (TypeBox-built) JSON Schema the renderer reads. */
export interface JsonSchema {
  type?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  additionalProperties?: boolean | JsonSchema;
}

export interface OptionRow {
  path: string;
  type: string;
  default: string;
  constraints: string;
  description: string;
}

const isObjectSchema = (s: JsonSchema): boolean => s.type === 'object' && s.properties !== undefined;

export function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const).replaceAll('"', "'");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'unknown'}[]`;
  if (schema.type === 'object' && schema.patternProperties) {
    const value = Object.values(schema.patternProperties)[0] ?? {};
    return `Record<string, ${typeOf(value)}>`;
  }
  if (schema.type === 'object') return 'object';
  return schema.type ?? 'unknown';
}

function constraintsOf(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minLength !== undefined) parts.push(`length ≥ ${schema.minLength}`);
  if (schema.minItems !== undefined) parts.push(`items ≥ ${schema.minItems}`);
  if (schema.type === 'array' && schema.items) {
    const inner = constraintsOf(schema.items);
    if (inner) parts.push(`each ${inner}`);
  }
  return parts.join(', ');
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** One row per leaf option; nested objects become dotted paths (`split.testFraction`). */
export function optionRows(schema: JsonSchema, prefix = ''): OptionRow[] {
  const rows: OptionRow[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (isObjectSchema(property)) {
      rows.push(...optionRows(property, dotted));
      continue;
    }
    const required = schema.required?.includes(key) && property.default === undefined;
    rows.push({
      path: dotted,
      type: typeOf(property),
      default: property.default !== undefined ? `\`${JSON.stringify(property.default)}\`` : required ? '**required**' : '—',
      constraints: constraintsOf(property),
      description: property.description ?? '',
    });
  }
  return rows;
}

export function renderOptionsTable(schema: JsonSchema, prefix = ''): string {
  const rows = optionRows(schema, prefix);
  if (rows.length === 0) return '_No options._\n';
  const lines = ['| option | type | default | allowed | description |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(`| \`${row.path}\` | ${escapeCell(`\`${row.type}\``)} | ${row.default} | ${row.constraints} | ${escapeCell(row.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

interface PluginDoc {
  /** Folder under packages/. */
  dir: string;
  /** Module (relative to the package) and export holding the options schema. */
  module: string;
  schemaExport: string;
  factory: string;
  summary: string;
}

/** First-party plugins whose options are documented; a package not written yet is skipped. */
const PLUGINS: PluginDoc[] = [
  { dir: 'plugin-risk-guard', module: 'src/riskGuard.ts', schemaExport: 'RiskGuardOptions', factory: 'riskGuard', summary: 'the mandatory risk guard: sizes every entry from its stop' },
  { dir: 'plugin-risk-guard', module: 'src/trailingStop.ts', schemaExport: 'TrailingStopOptions', factory: 'trailingStop', summary: 'optional trailing stop on the `stop` hook' },
  { dir: 'plugin-vwap', module: 'src/plugin.ts', schemaExport: 'VwapOptions', factory: 'vwapPlugin', summary: 'session and rolling VWAP' },
  { dir: 'plugin-zscore', module: 'src/plugin.ts', schemaExport: 'ZScoreOptions', factory: 'zscorePlugin', summary: 'rolling z-score of a column' },
  { dir: 'plugin-atr', module: 'src/plugin.ts', schemaExport: 'AtrOptions', factory: 'atrPlugin', summary: 'Wilder ATR and true range' },
  { dir: 'plugin-rsi', module: 'src/plugin.ts', schemaExport: 'RsiOptions', factory: 'rsiPlugin', summary: 'RSI (Wilder, Cutler, EMA) and Stochastic RSI' },
  { dir: 'plugin-bollinger', module: 'src/plugin.ts', schemaExport: 'BollingerOptions', factory: 'bollingerPlugin', summary: 'Bollinger Bands and Keltner Channels' },
  { dir: 'plugin-orderflow', module: 'src/plugin.ts', schemaExport: 'OrderFlowOptions', factory: 'orderFlowPlugin', summary: 'order-flow imbalance, cumulative delta, trade intensity' },
];

const TRAINER = { dir: 'trainer-gpu', module: 'src/options.ts', schemaExport: 'PpoOptionsSchema' };

async function loadSchema(dir: string, module: string, exportName: string): Promise<JsonSchema | undefined> {
  const file = path.join(repoRoot, 'packages', dir, module);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const schema = mod[exportName] as JsonSchema | undefined;
  if (!schema) throw new Error(`packages/${dir}/${module} does not export ${exportName}; update PLUGINS in scripts/gen-config-docs.ts`);
  return schema;
}

function packageName(dir: string): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name;
}

const HEADER = `<!-- Generated by scripts/gen-config-docs.ts from the TypeBox schemas; edit the schemas, then run \`pnpm docs:config\`. -->\n`;

export async function renderConfigDocs(): Promise<string> {
  const { ConfigSchema } = (await import(pathToFileURL(path.join(repoRoot, 'packages/sdk/src/config/schema.ts')).href)) as {
    ConfigSchema: JsonSchema;
  };
  const top = ConfigSchema.properties ?? {};
  const sections = Object.entries(top).filter(([, s]) => isObjectSchema(s));
  const scalars: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(Object.entries(top).filter(([key, s]) => !isObjectSchema(s) && key !== '$schema')),
    required: ConfigSchema.required ?? [],
  };

  const out: string[] = [
    HEADER,
    '# Config reference',
    '',
    'A project is configured by `tradecore.config.ts` (or `.mts`, `.js`, `.mjs`, `.json`, or a `"tradecore"` key in',
    '`package.json`), found from the working directory upwards. It default-exports `defineConfig({...})` or a',
    'function `({ mode }) => config`. Every value below is validated when the config loads; a bad value stops',
    'with one `path: message` line per problem naming the file, e.g. `execution.takerFeeBps: must be >= 0`.',
    'Every option except `dataset` has a default. `tradecore run --set key=value` overrides any of them.',
    '',
    '```ts example',
    "import { defineConfig } from '@tradecore/sdk';",
    "import { riskGuard } from '@tradecore/plugin-risk-guard';",
    "import { vwapPlugin } from '@tradecore/plugin-vwap';",
    '',
    'export default defineConfig({',
    "  dataset: 'synthetic-btc-usd-1m',",
    '  plugins: [vwapPlugin(), riskGuard({ riskPct: 0.01 })],',
    '  execution: { takerFeeBps: 5, makerFeeBps: 2 },',
    '  trainer: { totalSteps: 50_000 },',
    '});',
    '```',
    '',
    'The machine-readable JSON Schema ships in `@tradecore/sdk` as `schemas/config.schema.json`; point a JSON',
    'config\'s `"$schema"` at it for editor completion.',
    '',
    '## Top level',
    '',
    renderOptionsTable(scalars),
  ];
  for (const [key, section] of sections) {
    out.push(`## \`${key}\``, '');
    if (section.description) out.push(section.description, '');
    out.push(renderOptionsTable(section, key));
  }

  const trainer = await loadSchema(TRAINER.dir, TRAINER.module, TRAINER.schemaExport);
  if (trainer) {
    out.push(
      `## \`trainer\` (${packageName(TRAINER.dir)})`,
      '',
      `The \`trainer\` object is handed to the trainer plugin. With the default PPO trainer of`,
      `\`${packageName(TRAINER.dir)}\` it takes these options:`,
      '',
      renderOptionsTable(trainer, 'trainer'),
    );
  }

  const { ToolEntrySchema } = (await import(pathToFileURL(path.join(repoRoot, 'packages/sdk/src/tools/schema.ts')).href)) as {
    ToolEntrySchema: JsonSchema;
  };
  out.push(
    '## Tool manifest',
    '',
    'A JSON file enabling indicator plugins by name — what a web panel or a script edits instead of code. Named by',
    'the config\'s `tools` option (or `tradecore validate --tools <file>`); its plugins are added to the config\'s.',
    'Each entry of `tools`:',
    '',
    renderOptionsTable(ToolEntrySchema),
    '```json',
    '{',
    '  "$schema": "./node_modules/@tradecore/sdk/schemas/tool-manifest.schema.json",',
    '  "tools": [',
    '    { "name": "vwap", "options": { "session": true } },',
    '    { "name": "zscore", "options": { "source": "close", "period": 20 } },',
    '    { "name": "rsi", "enabled": false }',
    '  ]',
    '}',
    '```',
    '',
    'A short name resolves to the installed package `@tradecore/plugin-<name>`, then `tradecore-plugin-<name>`;',
    'an unknown name says which package to install. `tradecore tools ls` lists what is installed.',
    '',
  );

  out.push(
    '## Plugin options',
    '',
    'Plugins are configured where they are created, `plugins: [vwapPlugin({ rollingWindows: [60] })]`, or by',
    'name in a tool manifest (`{ "name": "vwap", "options": { ... } }`). Options are validated, defaults',
    'applied, when the factory is called.',
    '',
  );
  for (const plugin of PLUGINS) {
    const schema = await loadSchema(plugin.dir, plugin.module, plugin.schemaExport);
    if (!schema) continue;
    out.push(`### \`${plugin.factory}()\` — ${packageName(plugin.dir)}`, '', `${plugin.summary[0]!.toUpperCase()}${plugin.summary.slice(1)}.`, '', renderOptionsTable(schema));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

const START = '<!-- options:start -->';
const END = '<!-- options:end -->';

/** The README with its generated options block replaced, or undefined when it has no markers. */
export function replaceOptionsBlock(readme: string, tables: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return `${readme.slice(0, start + START.length)}\n${tables}${readme.slice(end)}`;
}

/** Every generated file as it should be on disk, keyed by path relative to the repo root. */
export async function generatedFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>([['docs/config.md', await renderConfigDocs()]]);
  const byDir = new Map<string, string[]>();
  for (const plugin of PLUGINS) {
    const schema = await loadSchema(plugin.dir, plugin.module, plugin.schemaExport);
    if (!schema) continue;
    const tables = byDir.get(plugin.dir) ?? [];
    tables.push(`\`${plugin.factory}(options)\`:\n\n${renderOptionsTable(schema)}`);
    byDir.set(plugin.dir, tables);
  }
  for (const [dir, tables] of byDir) {
    const readmePath = `packages/${dir}/README.md`;
    const absolute = path.join(repoRoot, readmePath);
    if (!existsSync(absolute)) continue;
    const updated = replaceOptionsBlock(readFileSync(absolute, 'utf8'), tables.join('\n'));
    if (updated !== undefined) files.set(readmePath, updated);
  }
  return files;
}

async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content);
  await rename(temp, file);
}

async function cli(check: boolean): Promise<number> {
  const stale: string[] = [];
  for (const [relative, content] of await generatedFiles()) {
    const absolute = path.join(repoRoot, relative);
    const current = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
    if (current === content) continue;
    stale.push(relative);
    if (!check) await writeFileAtomic(absolute, content);
  }
  if (check && stale.length > 0) {
    console.error(`out of date (run pnpm docs:config): ${stale.join(', ')}`);
    return 1;
  }
  console.log(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}` : 'config docs up to date');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await cli(process.argv.includes('--check'));
}
