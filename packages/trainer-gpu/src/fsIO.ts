import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { ensureDirectory, resolveInside, toFileSystemError } from '@tradecore/sdk';
import type { Tf } from './backend.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** The temp name of an atomic write of `name` (`.<name>.<pid>.<8 hex>.tmp`): the run folder's sweep removes these after a crash. */
export function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes `data` to `file` through a temp file in the same folder and a rename, so readers never see half a
 * file. A failure names the file and the system's reason (no space left, read-only file system, …).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  ensureDirectory(path.dirname(file));
  const tmp = path.join(path.dirname(file), tempName(path.basename(file)));
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw toFileSystemError(error, 'write', file);
  }
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/** Bytes the weights of a manifest take (float32/int32/bool, unquantised). */
function manifestBytes(specs: readonly tfjs.io.WeightsManifestEntry[], file: string): number {
  let total = 0;
  for (const spec of specs) {
    const size = DTYPE_BYTES[spec.dtype];
    if (!size || spec.quantization) throw new Error(`${file}: weight ${JSON.stringify(spec.name)} has an unsupported dtype ${JSON.stringify(spec.dtype)}`);
    total += spec.shape.reduce((n, d) => n * d, 1) * size;
  }
  return total;
}

function joinWeights(tf: Tf, data: tfjs.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

/**
 * A tfjs IOHandler that saves and loads `model.json` + `weights.bin` in a folder on disk, the layout
 * tfjs-node's `file://` handler uses, without needing tfjs-node. `weights.bin` is written before
 * `model.json` (each atomically), so a folder with a `model.json` always has its weights.
 */
export function fileSystemHandler(tf: Tf, dir: string): tfjs.io.IOHandler {
  return {
    async save(artifacts: tfjs.io.ModelArtifacts): Promise<tfjs.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary model topologies are not supported');
      const weights = artifacts.weightData ? new Uint8Array(joinWeights(tf, artifacts.weightData)) : new Uint8Array(0);
      const modelJSON: tfjs.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tfjs.io.ModelArtifacts> {
      const file = path.join(dir, MODEL_JSON);
      let modelJSON: tfjs.io.ModelJSON;
      try {
        modelJSON = JSON.parse(readFileSync(file, 'utf8')) as tfjs.io.ModelJSON;
      } catch (error) {
        throw new Error(`cannot read tfjs model ${file}: ${(error as Error).message}`);
      }
      if (!modelJSON.modelTopology || !Array.isArray(modelJSON.weightsManifest)) {
        throw new Error(`${file}: expected a tfjs layers model.json with "modelTopology" and "weightsManifest"`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tfjs.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            // A path read from model.json: it must stay inside the model folder and be a regular file.
            const weightsFile = resolveInside(dir, p, `weights path in ${file}`);
            if (!statSync(weightsFile).isFile()) throw new Error(`${file}: weights path ${JSON.stringify(p)} is not a regular file`);
            const bytes = readFileSync(weightsFile);
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const joined = tf.io.CompositeArrayBuffer.join(buffers);
        const expected = manifestBytes(specs, file);
        if (joined.byteLength !== expected) throw new Error(`${file}: the weights hold ${joined.byteLength} bytes, its manifest needs ${expected}`);
        return [specs, joined];
      });
    },
  };
}
