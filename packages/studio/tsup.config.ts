import { defineConfig } from 'tsup';
import { tsupDefaults } from '../../tsup.shared.ts';

export default defineConfig({ ...tsupDefaults, entry: ['src/index.ts'] });
