import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Issue, ValidationError } from '../errors.ts';
import { parseWithSchema } from '../schema/validate.ts';
import { ToolManifestSchema, type ToolManifest } from './schema.ts';

export interface LoadedToolManifest {
  manifest: ToolManifest;
  /** Absolute path of the file. */
  file: string;
}

/** Problems a schema cannot express: the same tool listed twice. */
function duplicateIssues(manifest: ToolManifest): Issue[] {
  const seen = new Map<string, number>();
  const issues: Issue[] = [];
  manifest.tools.forEach((tool, index) => {
    const first = seen.get(tool.name);
    if (first !== undefined) issues.push({ path: `tools[${index}].name`, message: `"${tool.name}" is already listed at tools[${first}]` });
    else seen.set(tool.name, index);
  });
  return issues;
}

/** Validates a parsed tool manifest (defaults applied); `source` names it in errors. */
export function parseToolManifest(value: unknown, source: string): ToolManifest {
  const manifest = parseWithSchema(ToolManifestSchema, value, source);
  const issues = duplicateIssues(manifest);
  if (issues.length > 0) throw new ValidationError(source, issues);
  return manifest;
}

/**
 * Reads and validates a tool manifest JSON file. Errors are {@link ValidationError}s naming the file
 * with one `path: message` line per problem (`tools[1].enabled: must be boolean`).
 */
export async function loadToolManifest(file: string): Promise<LoadedToolManifest> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ValidationError(absolute, [{ path: '', message: `cannot read the tool manifest (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(absolute, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return { manifest: parseToolManifest(json, absolute), file: absolute };
}
