import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema, SHIPPED_SCHEMAS } from './jsonSchemas.ts';

describe('shipped JSON Schemas', () => {
  for (const file of Object.keys(SHIPPED_SCHEMAS)) {
    it(`schemas/${file} is up to date (run \`pnpm --filter @tradecore/sdk schemas\` after changing a schema)`, () => {
      const shipped = readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
      expect(shipped).toBe(renderJsonSchema(file));
    });
  }
});
