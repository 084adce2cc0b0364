import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatedFiles, optionRows, renderOptionsTable, replaceOptionsBlock, typeOf } from '../../../scripts/gen-config-docs.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('generated config reference', () => {
  it('docs/config.md and the plugin READMEs match the TypeBox schemas (run `pnpm docs:config` if not)', async () => {
    const files = await generatedFiles();
    expect(files.has('docs/config.md')).toBe(true);
    for (const [relative, expected] of files) {
      expect(readFileSync(path.join(repoRoot, relative), 'utf8'), `${relative} is stale: run pnpm docs:config`).toBe(expected);
    }
  });

  it('documents every config section and every default', async () => {
    const doc = (await generatedFiles()).get('docs/config.md') ?? '';
    for (const row of ['`dataset` | `string` | **required**', '`execution.takerFeeBps` | `number` | `5` | ≥ 0', '`run.split.testFraction`']) {
      expect(doc).toContain(row);
    }
  });

  it('renders unions, arrays, bounds and nesting', () => {
    const schema = {
      type: 'object',
      required: ['mode', 'windows', 'inner'],
      properties: {
        mode: { anyOf: [{ const: 'a' }, { const: 'b' }], default: 'a', description: 'Which | one.' },
        windows: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [14] },
        inner: { type: 'object', properties: { k: { type: 'number', exclusiveMinimum: 0, maximum: 5 } }, required: ['k'] },
      },
    };
    expect(typeOf(schema.properties.mode)).toBe("'a' | 'b'");
    expect(optionRows(schema).map((r) => [r.path, r.type, r.default, r.constraints])).toEqual([
      ['mode', "'a' | 'b'", '`"a"`', ''],
      ['windows', 'integer[]', '`[14]`', 'each ≥ 1'],
      ['inner.k', 'number', '**required**', '> 0, ≤ 5'],
    ]);
    expect(renderOptionsTable(schema)).toContain("| `mode` | `'a' \\| 'b'` | `\"a\"` |  | Which \\| one. |");
  });

  it('replaces only the marked block of a README', () => {
    const readme = 'intro\n<!-- options:start -->\nold\n<!-- options:end -->\noutro\n';
    expect(replaceOptionsBlock(readme, 'new\n')).toBe('intro\n<!-- options:start -->\nnew\n<!-- options:end -->\noutro\n');
    expect(replaceOptionsBlock('no markers', 'x')).toBeUndefined();
  });
});
