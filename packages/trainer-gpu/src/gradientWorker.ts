// A gradient worker thread of ShardedGradients (shards.ts): computes the PPO gradients of one fixed row
// range of every minibatch, from the parameters in shared memory — on the SIMD network for the `wasm`
// backend, otherwise with a copy of the policy's variables on its own tfjs engine.
import { parentPort, workerData } from 'node:worker_threads';
import { MinibatchBuffers, simdEngine, tfjsEngine, type GradientWorkerInit, type GradientWorkerReply, type ShardEngine } from './shards.ts';

const init = workerData as GradientWorkerInit;
const port = parentPort!;
const reply = (message: GradientWorkerReply) => port.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function startEngine(): Promise<ShardEngine> {
  if (init.backend === 'wasm') return simdEngine(init.shape, init.end - init.start, init.coefs);
  // Only tfjs backends load tfjs in the thread.
  const { selectBackend } = await import('./backend.ts');
  const { createPolicyVariables } = await import('./model.ts');
  const { tf } = await selectBackend(init.backend);
  return tfjsEngine(tf, createPolicyVariables(tf, init.shape), init.coefs);
}

try {
  const batch = new MinibatchBuffers(init.rows, init.shape.observationSize, init.shape.numActions, init.minibatch);
  const engine = await startEngine();
  const params = new Float32Array(init.params);
  const out = new Float32Array(init.out);
  let version = -1;
  port.on('message', async (job: { type: 'run'; version: number }) => {
    try {
      if (job.version !== version) {
        engine.load(params);
        version = job.version;
      }
      out.set(await engine.compute(batch, init.start, init.end));
      reply({ type: 'done' });
    } catch (error) {
      reply({ type: 'error', message: messageOf(error) });
    }
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'error', message: `could not start on the ${init.backend} backend: ${messageOf(error)}` });
}
