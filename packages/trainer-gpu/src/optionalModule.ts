/** `true` when `error` says that the optional package `pkg` itself is not installed. */
export function isMissingModule(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  const message = String(e?.message);
  if (!message.includes(pkg)) return false;
  // Node says ERR_MODULE_NOT_FOUND; bundlers and vite-node say "Cannot find package" / "Could not resolve".
  return e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND' || /cannot find (module|package)|could not resolve|failed to resolve/i.test(message);
}

/** The first line of an error's message. */
export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}
