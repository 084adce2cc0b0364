import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reads a growing JSON-lines file incrementally: each `read()` returns the complete lines appended since the
 * last call (a half-written last line waits for its newline). Lines that are not JSON objects are skipped.
 */
export class LogTail {
  #offset = 0;
  #partial = '';
  #decoder = new StringDecoder('utf8');

  constructor(readonly file: string) {}

  read(): Record<string, unknown>[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    const chunks: string[] = [];
    try {
      const size = fstatSync(fd).size;
      if (size < this.#offset) {
        // Truncated or replaced: start over.
        this.#offset = 0;
        this.#partial = '';
        this.#decoder = new StringDecoder('utf8');
      }
      const buffer = Buffer.allocUnsafe(64 * 1024);
      while (this.#offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - this.#offset), this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        chunks.push(this.#decoder.write(buffer.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
    if (chunks.length === 0) return [];
    const text = this.#partial + chunks.join('');
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    const out: Record<string, unknown>[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const value = JSON.parse(line) as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) out.push(value as Record<string, unknown>);
      } catch {
        // Not an event line (a stray print); ignore it.
      }
    }
    return out;
  }
}
