import { assertId } from '@tradecore/sdk';

export interface K8sJobOptions {
  readonly sweepId: string;
  /** Redis URL the workers connect to (put a password in the Secret instead, as TRADECORE_QUEUE). */
  readonly queue: string;
  readonly store: string;
  /** Worker image: Node 20 with the project (config + data) and `tradecore` installed. */
  readonly image?: string;
  /** Worker pods (each one worker process, one trial at a time). */
  readonly workers: number;
  /** GPUs per pod (nvidia.com/gpu); 0 or none for CPU pods. */
  readonly gpus?: number;
  /** Secret with the S3 credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …) and optionally TRADECORE_QUEUE. */
  readonly secret?: string;
}

const q = (s: string) => JSON.stringify(s);

/**
 * A Kubernetes Indexed Job running `workers` `tradecore worker` pods that exit when the queue is drained,
 * so the Job completes with the sweep. Credentials come from a Secret, never from the manifest.
 */
export function k8sWorkerJob({ sweepId, queue, store, image = 'ghcr.io/your-org/tradecore-worker:latest', workers, gpus = 0, secret = 'tradecore-sweep' }: K8sJobOptions): string {
  assertId(sweepId, 'sweep id');
  const name = `tradecore-${sweepId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 52);
  const hasPassword = /^rediss?:\/\/[^@/]*:[^@/]*@/.test(queue);
  const queueEnv = hasPassword
    ? `            - name: TRADECORE_QUEUE\n              valueFrom: { secretKeyRef: { name: ${q(secret)}, key: TRADECORE_QUEUE } }`
    : `            - name: TRADECORE_QUEUE\n              value: ${q(queue)}`;
  const resources = gpus > 0 ? `\n          resources:\n            limits:\n              nvidia.com/gpu: ${gpus}` : '';
  return `# Workers for sweep ${sweepId}: ${workers} pod(s), each running \`tradecore worker\` until the queue is drained.
# Create the Secret first (S3 credentials${hasPassword ? ' and TRADECORE_QUEUE with the Redis password' : ''}):
#   kubectl create secret generic ${secret} --from-literal=AWS_ACCESS_KEY_ID=… --from-literal=AWS_SECRET_ACCESS_KEY=…${hasPassword ? ' --from-literal=TRADECORE_QUEUE=redis://…' : ''}
# then: kubectl apply -f this-file.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: tradecore-worker
    tradecore.dev/sweep: ${q(sweepId)}
spec:
  completionMode: Indexed
  completions: ${workers}
  parallelism: ${workers}
  backoffLimitPerIndex: 3
  maxFailedIndexes: ${Math.max(0, workers - 1)}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: tradecore-worker
        tradecore.dev/sweep: ${q(sweepId)}
    spec:
      restartPolicy: Never
      # Lets a worker hand its trial back (second signal) before the pod is killed.
      terminationGracePeriodSeconds: 120
      containers:
        - name: worker
          image: ${q(image)}
          workingDir: /app
          command: ["sh", "-c"]
          args:
            - exec npx tradecore worker --queue "$TRADECORE_QUEUE" --store ${q(store)} --name "${name}-$JOB_COMPLETION_INDEX" --exit-when-drained
          env:
${queueEnv}
          envFrom:
            - secretRef:
                name: ${q(secret)}${resources}
`;
}
