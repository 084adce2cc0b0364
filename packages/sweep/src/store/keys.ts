import { assertId } from '@tradecore/sdk';

/** Checks a store key: `/`-separated segments that each match the id pattern (no `..`, no leading `/`). */
export function checkKey(key: string, what = 'store key'): string[] {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) throw new TypeError(`${what}: expected a non-empty key`);
  const segments = key.split('/');
  for (const segment of segments) assertId(segment, `${what} segment in ${JSON.stringify(key.slice(0, 200))}`);
  return segments;
}

/** `prefix` of a list: either empty or ending in `/`, every segment checked. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return '';
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  checkKey(trimmed, 'store prefix');
  return `${trimmed}/`;
}
