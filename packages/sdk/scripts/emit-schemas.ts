// Writes packages/sdk/schemas/*.json from the TypeBox schemas (atomically: temp file + rename).
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema, SHIPPED_SCHEMAS } from '../src/schema/jsonSchemas.ts';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
for (const file of Object.keys(SHIPPED_SCHEMAS)) {
  const tmp = `${dir}${file}.tmp`;
  writeFileSync(tmp, renderJsonSchema(file));
  renameSync(tmp, `${dir}${file}`);
  console.log(`wrote schemas/${file}`);
}
