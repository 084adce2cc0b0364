import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isValidId } from '@tradecore/sdk';
import { writeJsonAtomic } from './_fs.ts';
import { LogTail } from './logTail.ts';

/** How to start the `tradecore` CLI: `command ...args run …`. */
export interface CliCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** `launch.json`: one `tradecore run` (or `--resume`) the panel started. */
export interface LaunchRecord {
  readonly format: 'tradecore-studio-launch/1';
  readonly launchId: string;
  readonly kind: 'run' | 'resume';
  readonly pid: number;
  /** The process's start time (from /proc), so a recycled pid is never taken for the run. */
  readonly pidStart: string | null;
  readonly startedAt: string;
  readonly argv: readonly string[];
  readonly configFile: string | null;
  /** Known at once for a resume; for a new run, read from its first event. */
  runId: string | null;
}

/** Files of a launch folder `<runs>/.studio/launches/<launchId>/`. */
export const LAUNCH_JSON = 'launch.json';
export const EVENTS_JSONL = 'events.jsonl';
export const STDERR_LOG = 'stderr.log';

/** The process start time of `pid` (field 22 of /proc/<pid>/stat), or null where /proc is missing. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process a launch started is still the same live process. */
export function isLaunchAlive(launch: Pick<LaunchRecord, 'pid' | 'pidStart'>): boolean {
  try {
    process.kill(launch.pid, 0);
  } catch (error) {
    // EPERM: a process with that pid exists (owned by another user); the start time decides whether it is ours.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (launch.pidStart === null) return true;
  const now = processStartTime(launch.pid);
  return now === null || now === launch.pidStart;
}

function newLaunchId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * The runs this panel started, kept on disk beside the archives (`<runs>/.studio/launches/`) so a restarted
 * studio knows them again. Each run is a detached process of its own with its output in files, never pipes:
 * stopping or killing the studio does not stop the run.
 */
export class LaunchRegistry {
  readonly dir: string;
  readonly #byId = new Map<string, LaunchRecord>();
  /** The latest launch of each run id. */
  readonly #byRun = new Map<string, LaunchRecord>();
  /** Launches whose run has not named itself yet. */
  readonly #pending = new Set<LaunchRecord>();
  readonly #tails = new Map<string, LogTail>();

  constructor(
    readonly runsDir: string,
    readonly cli: CliCommand,
    readonly cwd: string,
  ) {
    this.dir = path.join(runsDir, '.studio', 'launches');
  }

  folderOf(launchId: string): string {
    return path.join(this.dir, launchId);
  }

  #loadedKey = '';

  /**
   * Re-reads the launch folders when the folder changed (another studio on the same runs folder launched), and
   * learns the run ids of launches whose run has started since.
   */
  refresh(): void {
    for (const launch of [...this.#pending]) this.#learnRunId(launch);
    let key = '';
    try {
      const s = statSync(this.dir);
      key = `${s.mtimeMs}:${s.size}`;
    } catch {
      key = 'none';
    }
    if (key !== this.#loadedKey) this.load();
  }

  /** Re-reads every launch folder (a restart starts here). */
  load(): void {
    try {
      const s = statSync(this.dir);
      this.#loadedKey = `${s.mtimeMs}:${s.size}`;
    } catch {
      this.#loadedKey = 'none';
    }
    this.#byId.clear();
    this.#byRun.clear();
    this.#pending.clear();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!isValidId(name)) continue;
      try {
        const record = JSON.parse(readFileSync(path.join(this.dir, name, LAUNCH_JSON), 'utf8')) as LaunchRecord;
        if (record.format === 'tradecore-studio-launch/1' && record.launchId === name) this.#add(record);
      } catch {
        // A launch folder whose launch.json was never completed: nothing was started from it.
      }
    }
  }

  all(): LaunchRecord[] {
    return [...this.#byId.values()];
  }

  get(launchId: string): LaunchRecord | undefined {
    return this.#byId.get(launchId);
  }

  #add(launch: LaunchRecord): void {
    this.#byId.set(launch.launchId, launch);
    if (launch.runId === null) this.#pending.add(launch);
    else this.#index(launch);
  }

  #index(launch: LaunchRecord): void {
    this.#pending.delete(launch);
    const current = this.#byRun.get(launch.runId!);
    if (!current || launch.startedAt >= current.startedAt) this.#byRun.set(launch.runId!, launch);
  }

  /** The latest launch of a run (its resume, if it was resumed from here). */
  forRun(runId: string): LaunchRecord | undefined {
    return this.#byRun.get(runId);
  }

  /** Reads the run id from the launch's first event, once the run has created its archive. */
  #learnRunId(launch: LaunchRecord): void {
    const alive = isLaunchAlive(launch);
    let text = '';
    try {
      // The `start` event comes after whatever the config's plugins logged while they were set up.
      text = readFileSync(path.join(this.folderOf(launch.launchId), EVENTS_JSONL), 'utf8').slice(0, 256 * 1024);
    } catch {
      // Not started yet.
    }
    for (const line of text.split('\n')) {
      if (!line.includes('"start"')) continue;
      try {
        const event = JSON.parse(line) as { type?: string; id?: unknown };
        if (event.type === 'start' && isValidId(event.id)) {
          launch.runId = event.id;
          this.#index(launch);
          void writeJsonAtomic(path.join(this.folderOf(launch.launchId), LAUNCH_JSON), launch).catch(() => {});
          return;
        }
      } catch {
        // A line cut by the read limit.
      }
    }
    // Exited without starting a run (its config was refused): nothing to learn any more.
    if (!alive) this.#pending.delete(launch);
  }

  /** A tail of the launch's events file (one per launch, kept). */
  tail(launchId: string): LogTail {
    let tail = this.#tails.get(launchId);
    if (!tail) {
      tail = new LogTail(path.join(this.folderOf(launchId), EVENTS_JSONL));
      this.#tails.set(launchId, tail);
    }
    return tail;
  }

  /** Every event the launch has written so far (for curves of past runs). */
  async events(launchId: string): Promise<Record<string, unknown>[]> {
    const text = await readFile(path.join(this.folderOf(launchId), EVENTS_JSONL), 'utf8').catch(() => '');
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // skip
      }
    }
    return out;
  }

  /** The last lines the process wrote to stderr (why a launch failed before it made a run). */
  async stderrTail(launchId: string, lines = 12): Promise<string> {
    const text = await readFile(path.join(this.folderOf(launchId), STDERR_LOG), 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Creates a launch folder and hands it to `prepare` (which writes the config there) before anything starts. */
  async create(prepare: (folder: string) => Promise<string | null>): Promise<{ launchId: string; folder: string; configFile: string | null }> {
    const launchId = newLaunchId();
    const folder = this.folderOf(launchId);
    mkdirSync(folder, { recursive: true });
    const configFile = await prepare(folder);
    return { launchId, folder, configFile };
  }

  /**
   * Starts `tradecore <argv>` detached (its own process group), stdout and stderr into the launch folder, and
   * records the launch. `onExit` hears about an exit while this studio is still running.
   */
  async start(
    launch: { launchId: string; folder: string; configFile: string | null },
    kind: LaunchRecord['kind'],
    argv: readonly string[],
    runId: string | null,
    onExit?: (launch: LaunchRecord, code: number | null) => void,
  ): Promise<LaunchRecord> {
    const out = openSync(path.join(launch.folder, EVENTS_JSONL), 'a');
    const err = openSync(path.join(launch.folder, STDERR_LOG), 'a');
    let child;
    try {
      child = spawn(this.cli.command, [...this.cli.args, ...argv], {
        cwd: this.cwd,
        detached: true,
        stdio: ['ignore', out, err],
        env: { ...process.env, TRADECORE_STUDIO_LAUNCH: launch.launchId },
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    child.unref();
    const record: LaunchRecord = {
      format: 'tradecore-studio-launch/1',
      launchId: launch.launchId,
      kind,
      pid,
      pidStart: processStartTime(pid),
      startedAt: new Date().toISOString(),
      argv: [...argv],
      configFile: launch.configFile,
      runId,
    };
    await writeJsonAtomic(path.join(launch.folder, LAUNCH_JSON), record);
    this.#add(record);
    child.once('exit', (code) => onExit?.(record, code));
    return record;
  }

  /** Waits (up to `ms`) for a new run to name its id. */
  async waitForRunId(launch: LaunchRecord, ms: number): Promise<string | null> {
    const until = Date.now() + ms;
    while (launch.runId === null && Date.now() < until) {
      this.#learnRunId(launch);
      if (launch.runId !== null || !isLaunchAlive(launch)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.#learnRunId(launch);
    return launch.runId;
  }

  exists(launchId: string): boolean {
    return existsSync(path.join(this.folderOf(launchId), LAUNCH_JSON));
  }
}
