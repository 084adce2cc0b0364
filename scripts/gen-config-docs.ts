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
  /** The name a config gives it as data: `{ "name": "<name>" }`, `--set plugins.<name>.<option>=…`. */
  name: string;
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
  { name: 'risk-guard', dir: 'plugin-risk-guard', module: 'src/riskGuard.ts', schemaExport: 'RiskGuardOptions', factory: 'riskGuard', summary: 'the mandatory risk guard: sizes every entry from its stop' },
  { name: 'risk-guard:trailing-stop', dir: 'plugin-risk-guard', module: 'src/trailingStop.ts', schemaExport: 'TrailingStopOptions', factory: 'trailingStop', summary: 'optional trailing stop on the `stop` hook' },
  { name: 'vwap', dir: 'plugin-vwap', module: 'src/plugin.ts', schemaExport: 'VwapOptions', factory: 'vwapPlugin', summary: 'session and rolling VWAP' },
  { name: 'zscore', dir: 'plugin-zscore', module: 'src/plugin.ts', schemaExport: 'ZScoreOptions', factory: 'zscorePlugin', summary: 'rolling z-score of a column' },
  { name: 'atr', dir: 'plugin-atr', module: 'src/plugin.ts', schemaExport: 'AtrOptions', factory: 'atrPlugin', summary: 'Wilder ATR and true range' },
  { name: 'rsi', dir: 'plugin-rsi', module: 'src/plugin.ts', schemaExport: 'RsiOptions', factory: 'rsiPlugin', summary: 'RSI (Wilder, Cutler, EMA) and Stochastic RSI' },
  { name: 'bollinger', dir: 'plugin-bollinger', module: 'src/plugin.ts', schemaExport: 'BollingerOptions', factory: 'bollingerPlugin', summary: 'Bollinger Bands and Keltner Channels' },
  { name: 'orderflow', dir: 'plugin-orderflow', module: 'src/plugin.ts', schemaExport: 'OrderFlowOptions', factory: 'orderFlowPlugin', summary: 'order-flow imbalance, cumulative delta, trade intensity' },
];

const TRAINER = { name: 'trainer-gpu', dir: 'trainer-gpu', module: 'src/options.ts', schemaExport: 'PpoOptionsSchema' };

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
    'A project is configured by `tradecore.config.ts` (or `.mts`, `.js`, `.mjs`, `.json`, `.yaml`, `.yml`, or a',
    '`"tradecore"` key in `package.json`), found from the folder the command runs in, upwards (under `pnpm`/`npm run`,',
    'the folder you started it in). A TypeScript or JavaScript config default-exports `defineConfig({...})` or a',
    'function `({ mode }) => config`. Every value below is validated when the config loads; a bad value stops with',
    'one line per problem naming the file, the position and the value found, e.g.',
    '`tradecore.config.json: execution.takerFeeBps: must be >= 0, got -1`. Every option except `dataset` has a',
    'default. `tradecore run --set key=value` overrides any of them, plugin options included.',
    '',
    '```ts example',
    "import { defineConfig } from '@tradecore/sdk';",
    "import { riskGuard } from '@tradecore/plugin-risk-guard';",
    "import { vwapPlugin } from '@tradecore/plugin-vwap';",
    '',
    'export default defineConfig({',
    "  dataset: 'synthetic-btc-usd-1m',",
    "  plugins: [vwapPlugin(), riskGuard({ riskPct: 0.01 }), { name: 'rsi', options: { period: 14 } }, { name: 'trainer-gpu' }],",
    '  execution: { takerFeeBps: 5, makerFeeBps: 2 },',
    '  trainer: { totalSteps: 50_000 },',
    '});',
    '```',
    '',
    '## Plugins by name',
    '',
    'Every plugin — indicators, execution helpers, the risk guard, the trainer — can be written as data,',
    '`{ "name": …, "options": { … }, "enabled": true }`, so a JSON or YAML config runs like a TypeScript one. In a',
    'TypeScript config, entries by name and plugin objects (`rsiPlugin({ period: 14 })`) mix freely in one array.',
    '',
    '```json',
    '{',
    '  "$schema": "./tradecore.schema.json",',
    '  "dataset": "synthetic-btc-usd-1m",',
    '  "plugins": [',
    '    { "name": "vwap" },',
    '    { "name": "rsi", "options": { "period": 14 } },',
    '    { "name": "risk-guard", "options": { "riskPct": 0.005 } },',
    '    { "name": "risk-guard:trailing-stop", "options": { "trailBps": 80 }, "enabled": false },',
    '    { "name": "trainer-gpu", "options": { "backend": "auto" } }',
    '  ],',
    '  "trainer": { "totalSteps": 200000 }',
    '}',
    '```',
    '',
    '| a name like | resolves to the installed package |',
    '| --- | --- |',
    '| `rsi` | `@tradecore/plugin-rsi`, then the community `tradecore-plugin-rsi` |',
    '| `trainer-gpu` | `@tradecore/trainer-gpu`, then `tradecore-plugin-trainer-gpu` |',
    '| `@tradecore/plugin-rsi`, `tradecore-plugin-x`, `@acme/tradecore-plugin-x` | that package |',
    '| `risk-guard:trailing-stop` | the second plugin of `@tradecore/plugin-risk-guard` (the one named `<package>:trailing-stop`) |',
    '',
    'Packages are found from the config\'s folder, then the working folder. Inside a package the plugin is the',
    'factory whose plugin is named like the package, else its default export. A name that resolves to nothing says',
    'what to install (`unknown plugin "macd": install @tradecore/plugin-macd … : `pnpm add @tradecore/plugin-macd``);',
    '`tradecore tools ls` lists the installed plugins with the names to use. A config needs exactly one risk guard',
    'and one trainer; `tradecore validate` says so before anything runs.',
    '',
    '### Overriding plugin options',
    '',
    '`--set plugins.<name>.<option>=<value>` changes one option of one plugin for a run; `--set',
    'plugins.<name>.enabled=false` leaves a plugin out (and `=true` brings back an entry written with',
    '`"enabled": false`). `<name>` is the short name or the full package name; it reaches entries by name, plugin',
    "objects of a TypeScript config and a tool manifest's entries alike. The value is read as JSON when it parses",
    '(`21`, `true`, `[30,60]`), else as a string. A plugin or option that does not exist is an error naming those',
    'that do:',
    '',
    '```sh',
    'tradecore run --set plugins.risk-guard.riskPct=0.005 --set plugins.rsi.period=21 --set plugins.vwap.enabled=false',
    '# --set plugins.rsi.perod=21: unknown property (options of rsi: period, method, stochPeriod)',
    '```',
    '',
    '### The archive is a config',
    '',
    "A run's `runs/<id>/config.json` is this same data form, resolved: every plugin by its full name with its",
    'final options (defaults and overrides applied, the tool manifest folded in), absolute `dataDir` and `run.out`,',
    'and the seed in `run.seed`. `tradecore run --from <id>` (or `runExperiment({ from })`) runs it again and gives',
    'the same `metrics.json` on the same backend.',
    '',
    '### JSON Schema',
    '',
    '`tradecore schema -o tradecore.schema.json` writes the JSON Schema of the whole config with the options of',
    'every plugin installed in the project (`configJsonSchema({ cwd })` in code; `pluginCatalog({ cwd })` lists the',
    'plugins with their kinds and option schemas). Point a JSON config\'s `"$schema"` at that file for completion',
    'and checking of each plugin\'s options in an editor. The schema without plugin options ships in',
    '`@tradecore/sdk` as `schemas/config.schema.json`.',
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
      `The \`trainer\` object overrides the options of the trainer plugin for this config. With the PPO trainer of`,
      `\`${packageName(TRAINER.dir)}\` (\`{ "name": "${TRAINER.name}" }\` or \`ppo()\`), these are its options; the same names`,
      `work as the plugin's own options and as \`--set trainer.<option>\` or \`--set plugins.${TRAINER.name}.<option>\`:`,
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
    'A JSON file enabling indicator plugins by name, kept apart from the config (a script can edit it without',
    'touching the config). Named by the config\'s `tools` option (or `tradecore validate --tools <file>`); its',
    'plugins are added after the config\'s. Each entry of `tools` is a plugin entry:',
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
    'Names resolve as in [Plugins by name](#plugins-by-name); a tool manifest lists indicator plugins only.',
    '`--set plugins.<name>.…` reaches its entries too.',
    '',
  );

  out.push(
    '## Plugin options',
    '',
    'Options are the same whether a plugin is created in code, `vwapPlugin({ rollingWindows: [60] })`, or named as',
    'data, `{ "name": "vwap", "options": { "rollingWindows": [60] } }`. They are validated, defaults applied, when',
    'the plugin is made; a bad one is reported with its position, e.g.',
    '`tradecore.config.ts: plugins[1] (@tradecore/plugin-rsi) period: must be an integer, got 14.5`.',
    '',
  );
  for (const plugin of PLUGINS) {
    const schema = await loadSchema(plugin.dir, plugin.module, plugin.schemaExport);
    if (!schema) continue;
    out.push(
      `### \`${plugin.name}\` — \`${plugin.factory}()\` from ${packageName(plugin.dir)}`,
      '',
      `${plugin.summary[0]!.toUpperCase()}${plugin.summary.slice(1)}. As data: \`{ "name": "${plugin.name}", "options": { … } }\`.`,
      '',
      renderOptionsTable(schema),
    );
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
