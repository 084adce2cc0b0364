import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { type Issue, ValidationError } from '../errors.ts';

/** `/tools/1/options/window` → `tools[1].options.window`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** Every schema violation of `value`, one `Issue` each, without duplicates. */
export function collectIssues(schema: TSchema, value: unknown): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const push = (issue: Issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  };
  for (const error of Value.Errors(schema, value)) {
    const path = pointerToPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('additionalProperties')) {
      push({ path, message: 'unknown property' });
    } else if (error.keyword === 'additionalProperties') {
      const names = (params.additionalProperties as string[] | undefined) ?? [];
      for (const name of names) push({ path: joinPath(path, name), message: 'unknown property' });
    } else if (error.keyword === 'required') {
      const names = (params.requiredProperties as string[] | undefined) ?? [];
      for (const name of names) push({ path: joinPath(path, name), message: 'is required' });
    } else {
      push({ path, message: error.message });
    }
  }
  return issues;
}

/**
 * Applies the schema's defaults to a copy of `value`, validates it and returns it typed.
 * Throws a {@link ValidationError} naming `source` with one line per problem.
 */
export function parseWithSchema<S extends TSchema>(schema: S, value: unknown, source: string): Static<S> {
  const withDefaults = Value.Default(schema, Value.Clone(value ?? {}));
  const issues = collectIssues(schema, withDefaults);
  if (issues.length > 0) throw new ValidationError(source, issues);
  return withDefaults as Static<S>;
}
