import { lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDirectory, faultPoint, parseWithSchema, toFileSystemError, Type, type Static } from '@tradecore/sdk';
import { tempName, writeFileAtomic } from './fsIO.ts';

/**
 * Checkpoint folders: `<dir>/ckpt-<steps, 10 digits>/` (model, normaliser, optimizer state, trainer state)
 * and `<dir>/latest.json` naming the newest. A checkpoint is written into a temp folder and renamed into
 * place only when complete, so a `ckpt-*` folder is never partial; the two newest are kept, and an older
 * one is removed only after its successor is in place.
 */
export const LATEST_JSON = 'latest.json';
export const TRAINER_STATE_JSON = 'trainer-state.json';
/** Complete checkpoints kept per folder: the newest, and the one before it in case the newest is damaged. */
export const KEEP_CHECKPOINTS = 2;
const CHECKPOINT_NAME = /^ckpt-(\d{10})$/;

const Uint32 = Type.Integer({ minimum: 0, maximum: 4294967295 });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Finite = Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE });

/** `trainer-state.json`: everything besides the weights that a resumed run needs to continue exactly. */
export const TrainerStateSchema = Type.Object(
  {
    format: Type.Literal('tradecore-ppo/1'),
    seed: Uint32,
    steps: Count,
    updates: Count,
    rng: Type.Array(Uint32, { minItems: 4, maxItems: 4 }),
    observationSize: Type.Integer({ minimum: 1 }),
    numActions: Type.Integer({ minimum: 1 }),
    hidden: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }),
    observationNormalizer: Type.Union([
      Type.Null(),
      Type.Object({ size: Type.Integer({ minimum: 1 }), count: Finite, mean: Type.Array(Finite), var: Type.Array(Type.Number({ minimum: 0 })), clip: Finite }),
    ]),
    rewardScaler: Type.Union([Type.Null(), Type.Object({ count: Finite, mean: Finite, var: Type.Number({ minimum: 0 }) })]),
    optimizerWeights: Type.Array(
      Type.Object({ name: Type.String({ minLength: 1 }), shape: Type.Array(Type.Integer({ minimum: 0 })), dtype: Type.Union([Type.Literal('float32'), Type.Literal('int32')]) }),
    ),
    episodeReturns: Type.Array(Finite, { maxItems: 100 }),
    /** Adam's running β₁ᵗ and β₂ᵗ as float32 values, restored as they were (recomputing them with pow() can differ in the last bit). */
    adamBetaPowers: Type.Optional(Type.Tuple([Finite, Finite])),
  },
  { additionalProperties: false },
);
export type TrainerState = Static<typeof TrainerStateSchema>;

export function checkpointName(steps: number): string {
  if (!Number.isSafeInteger(steps) || steps < 0 || steps >= 1e10) throw new RangeError(`checkpoint step count must be a whole number below 1e10, got ${steps}`);
  return `ckpt-${String(steps).padStart(10, '0')}`;
}

export interface CheckpointEntry {
  readonly name: string;
  readonly dir: string;
  readonly steps: number;
}

/** The checkpoints in `dir` (folders named `ckpt-<10 digits>`, not symlinks), newest first. */
export function listCheckpoints(dir: string): CheckpointEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const entries: CheckpointEntry[] = [];
  for (const name of names) {
    const match = CHECKPOINT_NAME.exec(name);
    if (!match) continue;
    const full = path.join(dir, name);
    try {
      if (!lstatSync(full).isDirectory()) continue;
    } catch {
      continue;
    }
    entries.push({ name, dir: full, steps: Number(match[1]) });
  }
  return entries.sort((a, b) => b.steps - a.steps);
}

/** Reads and validates `trainer-state.json` of a checkpoint; its step count must match the folder's name. */
export function readTrainerState(checkpoint: string): TrainerState {
  const file = path.join(checkpoint, TRAINER_STATE_JSON);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw toFileSystemError(error, 'read', file);
  }
  const state = parseWithSchema(TrainerStateSchema, json, file);
  const match = CHECKPOINT_NAME.exec(path.basename(checkpoint));
  if (match && Number(match[1]) !== state.steps) throw new Error(`${file}: steps ${state.steps} does not match its folder ${path.basename(checkpoint)}`);
  return state;
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes checkpoint `ckpt-<steps>` into `dir`: `fill` writes the files into a temp folder (swept if the
 * process dies), which is renamed into place when complete — replacing a previous folder of the same name
 * only after the new one is whole. Then `latest.json` points at it and checkpoints other than the newest
 * {@link KEEP_CHECKPOINTS} up to `steps` are removed (so are later ones: left behind by a run that fell back
 * to an older checkpoint, they are superseded now).
 */
export async function writeCheckpoint(dir: string, steps: number, fill: (folder: string) => Promise<void>): Promise<string> {
  const name = checkpointName(steps);
  const target = path.join(dir, name);
  ensureDirectory(dir);
  const temp = path.join(dir, tempName(name));
  ensureDirectory(temp);
  try {
    await fill(temp);
    faultPoint('checkpoint');
    if (exists(target)) {
      const old = path.join(dir, tempName(name));
      renameSync(target, old);
      renameSync(temp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, target);
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw toFileSystemError(error, 'write checkpoint', target);
  }
  writeFileAtomic(path.join(dir, LATEST_JSON), JSON.stringify({ checkpoint: name, steps }));
  const kept = listCheckpoints(dir).filter((c) => c.steps <= steps).slice(0, KEEP_CHECKPOINTS);
  for (const entry of listCheckpoints(dir)) {
    if (!kept.some((k) => k.name === entry.name)) rmSync(entry.dir, { recursive: true, force: true });
  }
  return target;
}
