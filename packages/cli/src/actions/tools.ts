import { describeOptions, importToolFactory, listToolPackages, toolNameOf, ToolResolutionError, type OptionInfo } from '@tradecore/sdk';
import { formatTable } from '../_cli.ts';

export interface ListedTool {
  name: string;
  packageName: string;
  version: string;
  description: string;
  options: OptionInfo[];
}

/** Installed indicator plugins, found from `cwd`, with their options as the schemas declare them. */
export async function findIndicatorTools(cwd: string): Promise<{ tools: ListedTool[]; broken: string[] }> {
  const tools: ListedTool[] = [];
  const broken: string[] = [];
  for (const pkg of listToolPackages({ cwd })) {
    try {
      const plugin = (await importToolFactory(pkg))();
      if (plugin.kind !== 'indicator') continue;
      tools.push({
        name: toolNameOf(pkg.packageName),
        packageName: pkg.packageName,
        version: pkg.version,
        description: pkg.description,
        options: describeOptions(plugin.optionsSchema),
      });
    } catch (error) {
      // A package without a default-exported factory is not a tool (e.g. the risk guard); skip it quietly.
      if (error instanceof ToolResolutionError) continue;
      broken.push(`${pkg.packageName} (${pkg.dir}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { tools, broken };
}

export async function listTools({ cwd, json }: { cwd: string; json: boolean }): Promise<void> {
  const { tools, broken } = await findIndicatorTools(cwd);
  if (json) {
    process.stdout.write(`${JSON.stringify({ tools, broken }, null, 2)}\n`);
    return;
  }
  if (tools.length === 0) process.stdout.write(`no indicator plugins installed (looked in node_modules from ${cwd})\n`);
  for (const tool of tools) {
    process.stdout.write(`${tool.name}  ${tool.packageName}@${tool.version}${tool.description ? `  ${tool.description}` : ''}\n`);
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
