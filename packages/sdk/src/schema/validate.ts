import type { Static, TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { type Issue, ValidationError } from '../errors.ts';
import { quote } from '../paths/ids.ts';

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

/** The value at a JSON pointer inside `root` (undefined when the path does not exist). */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return root;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

const ARTICLE: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeName(type: unknown): string {
  if (Array.isArray(type)) return type.map(typeName).join(' or ');
  return ARTICLE[String(type)] ?? String(type);
}

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** What an error expects, phrased to follow "must be"/"must": `an integer`, `"talib"`, `>= 1`. */
function expectation(error: SchemaError): string {
  if (error.keyword === 'type') return `be ${typeName(error.params.type)}`;
  if (error.keyword === 'const') return `be ${quote(error.params.allowedValue)}`;
  if (error.keyword === 'enum') return `be one of ${((error.params.allowedValues as unknown[] | undefined) ?? []).map(quote).join(', ')}`;
  return error.message.replace(/^must /, '');
}

/**
 * Every schema violation of `value`, one `Issue` each, without duplicates. Messages say what was expected and what
 * was found: `must be an integer, got 14.5`, `must be one of "talib", "stockcharts", got "x"`.
 */
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
  // TypeBox stops after 8 errors by default; a config with more problems must show them all.
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: 10_000 });
  let errors: SchemaError[];
  try {
    errors = [...Value.Errors(schema, value)] as unknown as SchemaError[];
  } finally {
    Settings.Set({ maxErrors });
  }
  // Errors of the branches of an `anyOf` are folded into the anyOf's own message.
  const branchOf = (error: SchemaError) => /^(.*)\/anyOf\/\d+$/.exec(error.schemaPath)?.[1];
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    const got = `, got ${quote(valueAt(value, error.instancePath))}`;
    const params = error.params;
    if (branchOf(error) !== undefined) continue;
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('additionalProperties')) {
      push({ path, message: 'unknown property' });
    } else if (error.keyword === 'additionalProperties') {
      const names = (params.additionalProperties as string[] | undefined) ?? [];
      for (const name of names) push({ path: joinPath(path, name), message: 'unknown property' });
    } else if (error.keyword === 'required') {
      const names = (params.requiredProperties as string[] | undefined) ?? [];
      for (const name of names) push({ path: joinPath(path, name), message: 'is required' });
    } else if (error.keyword === 'anyOf') {
      const branches = errors.filter((e) => e.instancePath === error.instancePath && branchOf(e) === error.schemaPath);
      const expected = [...new Set(branches.map(expectation))];
      const allConst = branches.length > 0 && branches.every((b) => b.keyword === 'const');
      const message = allConst
        ? `must be one of ${branches.map((b) => quote(b.params.allowedValue)).join(', ')}`
        : expected.length > 0
          ? expected.every((e) => e.startsWith('be '))
            ? `must be ${expected.map((e) => e.slice(3)).join(' or ')}`
            : `must ${expected.join(' or ')}`
          : error.message;
      push({ path, message: `${message}${got}` });
    } else {
      push({ path, message: `must ${expectation(error)}${got}` });
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
