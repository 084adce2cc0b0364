import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configJsonSchema } from '@tradecore/sdk';
import { userCwd } from '../_cwd.ts';

export async function printSchema({ out }: { out?: string }): Promise<void> {
  const cwd = userCwd();
  const text = `${JSON.stringify(await configJsonSchema({ cwd }), null, 2)}\n`;
  if (!out) {
    process.stdout.write(text);
    return;
  }
  const file = path.resolve(cwd, out);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
  process.stderr.write(`wrote ${file}\n`);
}
