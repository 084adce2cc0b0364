import { defineConfig } from 'tsup';
import { tsupDefaults } from '../../tsup.shared.ts';

// gradientWorker.ts runs in worker threads (shards.ts starts it by its URL beside index.js).
export default defineConfig({ ...tsupDefaults, entry: ['src/index.ts', 'src/gradientWorker.ts'] });
