import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isValidId, parseToolManifest, ToolManifestSchema, Type, ValidationError, writeFileAtomic } from '@tradecore/sdk';
import type { FastifyInstance } from 'fastify';
import type { ControlState, SavedFile, ToolManifestFile } from '../api.ts';
import { checkShape, sectionSchemas, startingConfig, validateConfig } from '../adapters/config.ts';
import type { StudioContext } from '../context.ts';
import { badRequest, conflict, notFound, parseInput } from '../http.ts';
import { savedConfigFileOf, toolManifestFileOf } from '../paths.ts';

/** Version of a file's content: its sha256, or `absent` for a file that does not exist. */
function versionOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'absent';
  }
}

function jsonNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json') && isValidId(e.name.slice(0, -5)))
      .map((e) => e.name.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Writes `text` to `file` atomically, unless the file changed since the client loaded `version` (409: reload
 * it first). Saves of one file are serialised, so the check and the write cannot interleave with another save.
 */
async function saveIfUnchanged(file: string, version: string, text: string, root: string): Promise<SavedFile> {
  const work = async (): Promise<SavedFile> => {
    const current = versionOf(file);
    if (current !== version) {
      throw conflict(
        current === 'absent'
          ? `${path.relative(root, file)} was deleted since it was loaded; reload before saving`
          : version === 'absent'
            ? `${path.relative(root, file)} already exists; load it before saving over it`
            : `${path.relative(root, file)} changed on disk since it was loaded; reload it (your edits stay in the form) before saving`,
      );
    }
    await writeFileAtomic(file, text);
    return { file: path.relative(root, file), version: versionOf(file) };
  };
  const previous = locks.get(file) ?? Promise.resolve();
  const next = previous.then(work, work);
  locks.set(
    file,
    next.catch(() => {}),
  );
  return next;
}

const SaveToolsBody = Type.Object(
  {
    manifest: ToolManifestSchema,
    version: Type.String({ minLength: 1, description: 'Version the client loaded (`absent` for a new file).' }),
  },
  { additionalProperties: false },
);

const SaveConfigBody = Type.Object(
  {
    config: Type.Unknown({ description: 'A config as data (the schema of a JSON config).' }),
    version: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const ValidateBody = Type.Object({ config: Type.Unknown() }, { additionalProperties: false });

export function controlRoutes(app: FastifyInstance, ctx: StudioContext): void {
  // Loading a TypeScript config compiles it: keep the result until the file (or the dataset list) changes.
  let starting: { key: string; value: ReturnType<typeof startingConfig> } | undefined;
  app.get('/api/control', async (): Promise<ControlState> => {
    const [{ plugins, broken }, { datasets }] = await Promise.all([ctx.catalogue(), ctx.lake.list()]);
    const ids = datasets.map((d) => d.id);
    const key = `${ctx.configFile ? versionOf(ctx.configFile) : '-'}|${ids.join(',')}`;
    if (starting?.key !== key) {
      starting = { key, value: startingConfig({ cwd: ctx.root, dataDir: ctx.dataDir, runsDir: ctx.runsDir, configFile: ctx.configFile, datasets: ids, catalogue: plugins }) };
    }
    const { config, warnings } = await starting.value;
    return {
      config,
      configFile: ctx.configFile ? path.relative(ctx.root, ctx.configFile) : null,
      plugins,
      sections: sectionSchemas(),
      datasets: ids,
      toolManifests: jsonNames(ctx.toolsDir),
      warnings: [...warnings, ...broken.map((b) => `plugin not loadable: ${b}`)],
    };
  });

  app.post('/api/validate', async (request) => {
    const { config } = parseInput(ValidateBody, request.body);
    return validateConfig(config, { cwd: ctx.root, dataDir: ctx.dataDir, runsDir: ctx.runsDir });
  });

  app.get('/api/tools', async () => ({ dir: path.relative(ctx.root, ctx.toolsDir), names: jsonNames(ctx.toolsDir) }));

  app.get('/api/tools/:name', async (request): Promise<ToolManifestFile> => {
    const name = (request.params as { name: string }).name;
    const file = toolManifestFileOf(ctx.toolsDir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw notFound(`tool manifest "${name}" not found in ${path.relative(ctx.root, ctx.toolsDir)}`);
    }
    let manifest;
    try {
      manifest = parseToolManifest(JSON.parse(text), path.relative(ctx.root, file));
    } catch (error) {
      if (error instanceof ValidationError) throw badRequest(`${error.source} is invalid`, error.issues);
      throw badRequest(`${path.relative(ctx.root, file)}: ${(error as Error).message}`);
    }
    return { name: path.basename(file, '.json'), manifest, version: versionOf(file) };
  });

  app.put('/api/tools/:name', async (request) => {
    const file = toolManifestFileOf(ctx.toolsDir, (request.params as { name: string }).name);
    const body = parseInput(SaveToolsBody, request.body);
    try {
      parseToolManifest(body.manifest, 'manifest');
    } catch (error) {
      if (error instanceof ValidationError) throw badRequest('manifest is invalid', error.issues.map((i) => ({ path: `manifest.${i.path}`, message: i.message })));
      throw error;
    }
    const { $schema, ...rest } = body.manifest as { $schema?: string };
    const relSchema = path.relative(path.dirname(file), path.join(ctx.root, 'node_modules/@tradecore/sdk/schemas/tool-manifest.schema.json'));
    const text = `${JSON.stringify({ $schema: $schema ?? relSchema, ...rest }, null, 2)}\n`;
    return saveIfUnchanged(file, body.version, text, ctx.root);
  });

  app.get('/api/configs', async () => ({ dir: path.relative(ctx.root, ctx.configsDir), names: jsonNames(ctx.configsDir) }));

  app.get('/api/configs/:name', async (request) => {
    const file = savedConfigFileOf(ctx.configsDir, (request.params as { name: string }).name);
    const name = path.basename(file, '.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw notFound(`config "${name}" not found in ${path.relative(ctx.root, ctx.configsDir)}`);
    }
    try {
      return { name, config: JSON.parse(text) as unknown, version: versionOf(file) };
    } catch (error) {
      throw badRequest(`${path.relative(ctx.root, file)}: not valid JSON: ${(error as Error).message}`);
    }
  });

  app.put('/api/configs/:name', async (request) => {
    const file = savedConfigFileOf(ctx.configsDir, (request.params as { name: string }).name);
    const body = parseInput(SaveConfigBody, request.body);
    const shape = checkShape(body.config);
    if ('issues' in shape) throw badRequest('config is invalid', shape.issues.map((i) => ({ path: i.path ? `config.${i.path}` : 'config', message: i.message })));
    const text = `${JSON.stringify({ ...(body.config as object), dataDir: path.relative(path.dirname(file), ctx.dataDir) || '.' }, null, 2)}\n`;
    return saveIfUnchanged(file, body.version, text, ctx.root);
  });
}
