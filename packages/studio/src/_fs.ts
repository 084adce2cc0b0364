import { writeFileAtomic } from '@tradecore/sdk';

/** `value` as pretty JSON, written atomically (temp file beside it, flushed, then renamed) like every SDK write. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
