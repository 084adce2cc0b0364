import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { userCwd } from './_cwd.ts';

describe('userCwd', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tc-cwd-'));
  const sub = mkdtempSync(path.join(root, 'notebooks-'));
  const script = { npm_lifecycle_event: 'validate', npm_lifecycle_script: 'tradecore validate', npm_package_json: path.join(root, 'package.json') };

  it('is INIT_CWD when this process is a package script running tradecore from the package root', () => {
    expect(userCwd({ ...script, INIT_CWD: sub }, root)).toBe(sub);
    expect(userCwd({ ...script, npm_lifecycle_script: 'node --import tsx packages/cli/bin/tradecore.js', INIT_CWD: sub }, root)).toBe(sub);
  });

  it('is the working folder otherwise: no script, another script, a child started elsewhere, a stale INIT_CWD', () => {
    expect(userCwd({ INIT_CWD: sub }, root), 'not under a package script').toBe(root);
    expect(userCwd({ ...script, npm_lifecycle_script: 'pnpm build && vitest run', INIT_CWD: sub }, root), 'a test runner that spawned the CLI').toBe(root);
    expect(userCwd({ ...script, INIT_CWD: sub }, sub), 'started in another folder than the package root').toBe(sub);
    expect(userCwd({ ...script, INIT_CWD: sub }, path.join(root, 'x')), 'cwd changed by a tool').toBe(path.join(root, 'x'));
    expect(userCwd({ ...script, INIT_CWD: path.join(root, 'gone') }, root), 'INIT_CWD that no longer exists').toBe(root);
  });
});
