// A gradient worker thread of ShardedGradients (shards.ts): holds a copy of the policy's variables on
// its own tfjs engine and computes the PPO gradients of one fixed row range of every minibatch.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from './backend.ts';
import { createPolicyVariables } from './model.ts';
import { MinibatchBuffers, shardGradients, type GradientWorkerInit, type GradientWorkerReply } from './shards.ts';

const init = workerData as GradientWorkerInit;
const port = parentPort!;
const reply = (message: GradientWorkerReply) => port.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  const { tf } = await selectBackend(init.backend);
  const net = createPolicyVariables(tf, init.shape);
  const batch = new MinibatchBuffers(init.rows, init.shape.observationSize, init.shape.numActions, init.minibatch);
  const params = new Float32Array(init.params);
  const out = new Float32Array(init.out);
  let version = -1;
  port.on('message', async (job: { type: 'run'; version: number }) => {
    try {
      if (job.version !== version) {
        let offset = 0;
        tf.tidy(() => {
          for (const v of net.variables) {
            v.assign(tf.tensor(params.slice(offset, offset + v.size), v.shape, 'float32'));
            offset += v.size;
          }
        });
        version = job.version;
      }
      out.set(await shardGradients(tf, net, batch, init.start, init.end, init.coefs));
      reply({ type: 'done' });
    } catch (error) {
      reply({ type: 'error', message: messageOf(error) });
    }
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'error', message: `could not start on the ${init.backend} backend: ${messageOf(error)}` });
}
