/** Base class of every error the SDK throws on purpose. */
export class TradecoreError extends Error {
  override name = 'TradecoreError';
}

/** One problem found while validating a value: `path: message`. */
export interface Issue {
  /** Dotted path inside the value, e.g. `tools[1].options.window`; empty for the root. */
  path: string;
  message: string;
}

/**
 * A file (or an in-memory value) failed validation. `message` holds one `path: message` line per
 * issue, prefixed by the source, so it can be printed as it is.
 */
export class ValidationError extends TradecoreError {
  override name = 'ValidationError';
  constructor(
    /** The file (or a label such as `plugin "x" options`) the value came from. */
    readonly source: string,
    readonly issues: readonly Issue[],
  ) {
    super(`${source} is invalid:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}

export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** A plugin's tap threw. `plugin` and `hook` say where; `cause` is the original error. */
export class PluginError extends TradecoreError {
  override name = 'PluginError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    override readonly cause: unknown,
  ) {
    super(`plugin "${plugin}" failed in hook "${hook}": ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
