// Public API of src/env: explicit named exports only.
export type { VecEnvLike } from './types.ts';
