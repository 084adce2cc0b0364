import { defineConfig } from 'tsup';
import { tsupDefaults } from '../../tsup.shared.ts';

// poolChild is not an export: the local pool forks it as a worker process.
export default defineConfig({ ...tsupDefaults, entry: ['src/index.ts', 'src/testing.ts', 'src/poolChild.ts'] });
