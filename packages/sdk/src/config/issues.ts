import path from 'node:path';
import { type Issue, ValidationError } from '../errors.ts';

/** One problem that stops a run, found before anything is created. */
export interface SetupIssue extends Issue {
  /**
   * Where it was written: a file (relative to the working folder when inside it), `--set <key>=<value>`,
   * `--data`, or `<inline config>`.
   */
  readonly source: string;
  /** Path inside `source`: `plugins[1].options.period`, `execution.takerFeeBps`, `tools[0].name`; empty for the whole. */
  readonly path: string;
  readonly message: string;
  /** The plugin concerned (its package name), when there is one. */
  readonly plugin?: string;
}

/**
 * One line per issue, the file named once and the position inside it:
 * `tradecore.config.ts: plugins[1] (@tradecore/plugin-rsi) period: must be an integer, got 14.5`.
 */
export function formatSetupIssue(issue: SetupIssue): string {
  let where = issue.path;
  if (issue.plugin) {
    // `plugins[1].options.period` → `plugins[1] (@tradecore/plugin-rsi) period`
    const match = /^(?:(.*?)\.)?(?:name|options(?:\.(.+))?)$/.exec(issue.path);
    const at = match ? (match[1] ?? '') : issue.path;
    const option = match?.[2];
    where = `${at ? `${at} ` : ''}(${issue.plugin})${option ? ` ${option}` : ''}`;
  }
  return [issue.source, where, issue.message].filter(Boolean).join(': ');
}

/**
 * The config, its plugins, the tool manifest, the dataset or the split cannot run. `issues` holds every problem
 * found (not only the first); the message is one {@link formatSetupIssue} line per issue.
 */
export class RunSetupError extends ValidationError {
  override name = 'RunSetupError';
  declare readonly issues: readonly SetupIssue[];
  constructor(issues: readonly SetupIssue[]) {
    super(issues[0]?.source ?? 'config', issues);
    this.message = issues.map(formatSetupIssue).join('\n');
  }
}

/** `file` relative to `cwd` when it is inside it or at most two folders up (`../tradecore.config.ts`), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (!relative || path.isAbsolute(relative)) return file;
  const up = relative.split(path.sep).filter((segment) => segment === '..').length;
  return up <= 2 ? relative : file;
}
