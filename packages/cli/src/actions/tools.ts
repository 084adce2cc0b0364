import { describeOptions, pluginCatalog, type OptionInfo, type PluginKind, type TSchema } from '@tradecore/sdk';
import { formatTable } from '../_cli.ts';

export interface ListedTool {
  /** The name a config uses: `{ "name": "rsi" }`, `--set plugins.rsi.period=21`. */
  name: string;
  packageName: string;
  version: string;
  kind: PluginKind;
  description: string;
  options: OptionInfo[];
}

/** Installed plugins, found from `cwd`, with their options as the schemas declare them. */
export async function findTools(cwd: string, kind?: string): Promise<{ tools: ListedTool[]; broken: string[] }> {
  const catalog = await pluginCatalog({ cwd });
  const tools = catalog.plugins
    .filter((p) => !kind || p.kind === kind)
    .map((p) => ({
      name: p.name,
      packageName: p.packageName,
      version: p.version,
      kind: p.kind,
      description: p.description,
      options: describeOptions(p.optionsSchema as TSchema | undefined),
    }));
  return { tools, broken: [...catalog.broken] };
}

export async function listTools({ cwd, json, kind }: { cwd: string; json: boolean; kind?: string }): Promise<void> {
  const { tools, broken } = await findTools(cwd, kind);
  if (json) {
    process.stdout.write(`${JSON.stringify({ tools, broken }, null, 2)}\n`);
    return;
  }
  if (tools.length === 0) process.stdout.write(`no ${kind ? `${kind} ` : ''}plugins installed (looked in node_modules from ${cwd})\n`);
  for (const tool of tools) {
    process.stdout.write(`${tool.name}  ${tool.packageName}@${tool.version}  ${tool.kind}${tool.description ? `  ${tool.description}` : ''}\n`);
    if (tool.options.length === 0) {
      process.stdout.write('  (no options)\n\n');
      continue;
    }
    const table = formatTable(
      ['option', 'type', 'default', 'description'],
      tool.options.map((o) => [o.name, o.type, o.default ?? '—', o.description]),
    );
    process.stdout.write(`${table.replace(/^/gm, '  ')}\n\n`);
  }
  for (const line of broken) process.stderr.write(`warning: cannot load ${line}\n`);
}
