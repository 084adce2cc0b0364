/**
 * Output streams that a closed reader cannot crash. `tradecore run --json | head -1` or
 * `tradecore data export … | head` close the pipe early: the next write fails with EPIPE, which Node
 * reports as an `error` event that kills the process with a stack trace. A guarded stream instead marks
 * itself closed and drops later writes: a run keeps training and archiving (its result is in its folder),
 * an export simply ends. `index.ts` guards stdout and stderr before any command runs.
 */
export interface GuardedStream {
  /** True once the reader went away; writes are dropped from then on. */
  readonly closed: boolean;
  write(text: string): void;
}

const guards = new WeakMap<NodeJS.WriteStream, GuardedStream>();

/** EPIPE (the reader closed the pipe) or a write to a stream already torn down because of it. */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function guardStream(stream: NodeJS.WriteStream): GuardedStream {
  const existing = guards.get(stream);
  if (existing) return existing;
  let broken = false;
  stream.on('error', (error: Error) => {
    if (isBrokenPipe(error)) {
      broken = true;
      return;
    }
    throw error;
  });
  const guard: GuardedStream = {
    get closed() {
      return broken || stream.destroyed;
    },
    write(text) {
      if (guard.closed) return;
      try {
        stream.write(text);
      } catch (error) {
        if (!isBrokenPipe(error)) throw error;
        broken = true;
      }
    },
  };
  guards.set(stream, guard);
  return guard;
}

export const stdout = (): GuardedStream => guardStream(process.stdout);
export const stderr = (): GuardedStream => guardStream(process.stderr);

/**
 * Width of the terminal behind `stream` for a line redrawn in place; 100 when it does not say (a pipe, or a pty
 * sized 0, as some containers allocate). A redrawn line must fit: one that wrapped cannot be cleared with `\r`.
 */
export function terminalColumns(stream: NodeJS.WriteStream): number {
  return stream.columns || 100;
}
