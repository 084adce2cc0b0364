// Assembles src/simd/kernels.wat into src/simd/kernels.wasm.ts (the module's bytes, base64).
// Run after editing the .wat: pnpm --filter @tradecore/trainer-gpu build:kernels
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const source = new URL('../src/simd/kernels.wat', import.meta.url);
const target = new URL('../src/simd/kernels.wasm.ts', import.meta.url);

/** The kernels' WebAssembly bytes, assembled from the .wat source. */
export async function assembleKernels(): Promise<Uint8Array> {
  const tools = await wabt();
  const parsed = tools.parseWat('kernels.wat', readFileSync(source, 'utf8'), { simd: true });
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

/** The TypeScript module that carries the bytes. */
export function kernelsModule(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    '// Generated from kernels.wat by scripts/build-kernels.ts; do not edit.',
    '/** The trainer\'s SIMD kernels (kernels.wat), as a WebAssembly module in base64. */',
    'export const KERNELS_WASM_BASE64 =',
    ...lines.map((line, i) => `  '${line}'${i === lines.length - 1 ? ';' : ' +'}`),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    writeFileSync(target, kernelsModule(await assembleKernels()));
    console.log(`wrote ${fileURLToPath(target)}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
