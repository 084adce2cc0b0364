// The trainer benchmark as one file for scripts/gpu-check.sh (bundled with esbuild; the packages stay external).
import os from 'node:os';
import { run } from '../bench/trainer.ts';

console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`);
console.log(await run());
