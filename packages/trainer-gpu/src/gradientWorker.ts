// A gradient worker thread of ShardedGradients (shards.ts): computes the PPO gradients of one fixed row
// range of every minibatch, from the parameters in shared memory — on the SIMD network for the `wasm`
// backend, otherwise with a copy of the policy's variables on its own tfjs engine.
import { parentPort, workerData } from 'node:worker_threads';
import { MinibatchBuffers, shardGradients, type GradientWorkerInit, type GradientWorkerReply } from './shards.ts';
import { SimdNetwork } from './simd/network.ts';

const init = workerData as GradientWorkerInit;
const port = parentPort!;
const reply = (message: GradientWorkerReply) => port.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Loads parameters (flattened in the variables' order) and computes a shard. */
interface ShardEngine {
  load(params: Float32Array): void;
  compute(): Promise<Float32Array> | Float32Array;
}

async function startEngine(batch: MinibatchBuffers): Promise<ShardEngine> {
  if (init.backend === 'wasm') {
    const simd = new SimdNetwork(init.shape, init.end - init.start);
    return { load: (params) => simd.setParams(params), compute: () => simd.gradients(batch, init.start, init.end, init.coefs) };
  }
  const { selectBackend } = await import('./backend.ts');
  const { assignVariables, createPolicyVariables } = await import('./model.ts');
  const { tf } = await selectBackend(init.backend);
  const net = createPolicyVariables(tf, init.shape);
  return {
    load: (params) => assignVariables(tf, net.variables, params),
    compute: () => shardGradients(tf, net, batch, init.start, init.end, init.coefs),
  };
}

try {
  const batch = new MinibatchBuffers(init.rows, init.shape.observationSize, init.shape.numActions, init.minibatch);
  const engine = await startEngine(batch);
  const params = new Float32Array(init.params);
  const out = new Float32Array(init.out);
  let version = -1;
  port.on('message', async (job: { type: 'run'; version: number }) => {
    try {
      if (job.version !== version) {
        engine.load(params);
        version = job.version;
      }
      out.set(await engine.compute());
      reply({ type: 'done' });
    } catch (error) {
      reply({ type: 'error', message: messageOf(error) });
    }
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'error', message: `could not start on the ${init.backend} backend: ${messageOf(error)}` });
}
