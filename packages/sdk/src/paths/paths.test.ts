import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertId, assertRegularFile, InvalidIdError, normalizeSymbol, realpathInside, resolveInside, UnsafePathError } from './index.ts';

const root = mkdtempSync(path.join(tmpdir(), 'tc-paths-'));

describe('assertId', () => {
  it('accepts ids of the documented pattern', () => {
    for (const id of ['btc-usd-1m', 'BTC-USD', '1m', 'a', 'kraken.v2', '20261124-014055-s0-3fa9c1d2', 'x'.repeat(128)]) {
      expect(assertId(id, 'id')).toBe(id);
    }
  });

  it('refuses traversal, separators, NUL, spaces, unicode, hidden names and over-long ids, naming the value and the rule', () => {
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '/abs', 'a\0b', 'BTC USD', 'é', '.hidden', '-x', 'x'.repeat(129), 7, null]) {
      expect(() => assertId(bad, 'dataset id')).toThrow(InvalidIdError);
    }
    expect(() => assertId('../../package', '--id')).toThrow(/--id "\.\.\/\.\.\/package" is not a valid id: use 1–128 characters/);
  });

  it('caps what an error quotes', () => {
    const error = (() => {
      try {
        assertId('\0'.repeat(1_000_000), 'id');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('normalizeSymbol', () => {
  it('normalises base/quote separators and case', () => {
    expect(normalizeSymbol('BTC/USD')).toBe('BTC-USD');
    expect(normalizeSymbol('btc-usd')).toBe('BTC-USD');
    expect(normalizeSymbol('BTC/USD:USD')).toBe('BTC-USD-USD');
  });

  it('refuses what cannot be a symbol, naming the allowed form', () => {
    for (const bad of ['BTC USD', 'X/../BTC-USD', '../../../VICTIM', '/BTC', 'BTC/', '..', 'a\0b']) {
      expect(() => normalizeSymbol(bad, '--symbol')).toThrow(/--symbol .* is not a valid id: .*e\.g\. BTC-USD/);
    }
  });
});

describe('resolveInside', () => {
  it('joins inside the root', () => {
    expect(resolveInside(root, ['lake', 'kraken', 'BTC-USD'])).toBe(path.join(root, 'lake', 'kraken', 'BTC-USD'));
    expect(resolveInside(root, 'a/../b')).toBe(path.join(root, 'b'));
  });

  it('refuses paths that leave the root, absolute paths and NUL bytes', () => {
    for (const bad of ['..', '../x', 'a/../../x', '/etc/passwd', 'a\0b', `..${path.sep}..`]) {
      expect(() => resolveInside(root, bad, 'run id')).toThrow(UnsafePathError);
    }
  });

  it('never produces a path outside the root, whatever the segments (property)', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '/', '\\', '\0', '', '/etc', 'C:\\x', '%2e%2e', '..%2f', 'é', '🙂'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        let result: string;
        try {
          result = resolveInside(root, segments);
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafePathError);
          return;
        }
        expect(result === root || result.startsWith(`${root}${path.sep}`), result).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: ids accepted by assertId always resolve to a direct child of the root', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (value) => {
        let id: string;
        try {
          id = assertId(value, 'id');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidIdError);
          return;
        }
        expect(path.dirname(resolveInside(root, id))).toBe(root);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('realpathInside', () => {
  const outside = mkdtempSync(path.join(tmpdir(), 'tc-outside-'));
  writeFileSync(path.join(outside, 'secret.parquet'), 'x');
  const lake = path.join(root, 'lake');
  mkdirSync(lake, { recursive: true });
  writeFileSync(path.join(lake, 'ok.parquet'), 'x');
  symlinkSync(path.join(outside, 'secret.parquet'), path.join(lake, 'link.parquet'));
  symlinkSync(outside, path.join(lake, 'dirlink'));
  symlinkSync(path.join(lake, 'ok.parquet'), path.join(lake, 'inner-link.parquet'));

  it('accepts real files, files yet to be created and symlinks that stay inside', () => {
    expect(realpathInside(root, 'lake/ok.parquet')).toBe(path.join(lake, 'ok.parquet'));
    expect(realpathInside(root, 'lake/new/part-0000.parquet')).toBe(path.join(lake, 'new', 'part-0000.parquet'));
    expect(realpathInside(root, 'lake/inner-link.parquet')).toBe(path.join(lake, 'inner-link.parquet'));
  });

  it('refuses a symlinked file or folder that leads out of the root', () => {
    expect(() => realpathInside(root, 'lake/link.parquet', 'partition')).toThrow(/partition "lake\/link.parquet" resolves through a symlink to .*secret.parquet, outside/);
    expect(() => realpathInside(root, 'lake/dirlink/new.parquet')).toThrow(UnsafePathError);
  });
});

describe('assertRegularFile', () => {
  it('refuses FIFOs and directories', () => {
    const fifo = path.join(root, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(() => assertRegularFile(fifo, 'manifest')).toThrow(/manifest .*fifo.json is not a regular file \(a FIFO\)/);
    expect(() => assertRegularFile(root)).toThrow(/a directory/);
    writeFileSync(path.join(root, 'plain.json'), '{}');
    expect(() => assertRegularFile(path.join(root, 'plain.json'))).not.toThrow();
  });
});
