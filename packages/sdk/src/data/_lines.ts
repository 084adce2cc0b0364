import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { quote } from '../paths/index.ts';
import { DataError } from './errors.ts';

/** Longest line accepted (characters). A bar row is under 200; anything near this is not a CSV of bars. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Read size: memory stays near this plus one line, whatever the file's size. */
const CHUNK_BYTES = 1 << 20;

/**
 * Calls `onLine(text, lineNumber)` for every line of a UTF-8 byte stream, with bounded memory: a line is held
 * only until its end is seen. Splits on LF, drops a CR before it and a BOM at the start, decodes multi-byte
 * characters across chunk boundaries. A line longer than {@link MAX_LINE_LENGTH} or holding a NUL byte (a
 * binary file) throws a {@link DataError} naming `label` and the line, quoting a capped excerpt.
 */
export async function forEachLine(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, label: string, onLine: (line: string, lineNumber: number) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let lineNumber = 0;
  let first = true;
  const emit = (line: string) => {
    lineNumber++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.includes('\0')) throw new DataError(`${label}:${lineNumber}: holds NUL bytes (${quote(line)}); expected a text CSV`);
    onLine(line, lineNumber);
  };
  const feed = (text: string) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const line = start === 0 && pending ? pending + text.slice(0, end) : text.slice(start, end);
      if (start === 0) pending = '';
      if (line.length > MAX_LINE_LENGTH) tooLong(line);
      emit(line);
      start = end + 1;
    }
    pending = start === 0 ? pending + text : text.slice(start);
    if (pending.length > MAX_LINE_LENGTH) tooLong(pending);
  };
  const tooLong = (line: string) => {
    throw new DataError(`${label}:${lineNumber + 1}: line is longer than ${MAX_LINE_LENGTH} characters (${quote(line.slice(0, 200))}); expected a CSV of bars, one per line`);
  };
  for await (const chunk of chunks) feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  feed(decoder.decode());
  if (pending !== '') emit(pending);
}

/** A file's bytes, streamed in {@link CHUNK_BYTES} reads; a missing or unreadable file is a {@link DataError}. */
export async function* fileChunks(file: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
}

/**
 * Lines in a regular file (a last line without a newline counts), read in the same bounded chunks; `undefined`
 * for anything else (a pipe cannot be read twice). Lets a reader allocate its columns once, at their size.
 */
export async function countLines(file: string): Promise<number | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  let lines = 0;
  let last = 10;
  for await (const chunk of fileChunks(file)) {
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1] as number;
  }
  return last === 10 ? lines : lines + 1;
}
