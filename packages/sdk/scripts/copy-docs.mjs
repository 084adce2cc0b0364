// Copies the repository's docs/ into this package, so every project that installs @tradecore/sdk has the user
// docs at node_modules/@tradecore/sdk/docs/ (the scaffolder's closing message points there). Run by `build` and
// `prepack`; the copy is not committed.
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '../../../docs');
const target = path.resolve(here, '../docs');
if (existsSync(source)) {
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true });
}
