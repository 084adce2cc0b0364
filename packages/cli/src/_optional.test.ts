import { describe, expect, it } from 'vitest';
import { importOptional, MissingPackageError } from './_optional.ts';

describe('importOptional', () => {
  it('says which package to install when it is missing', async () => {
    const pkg = '@tradecore/not-a-real-package';
    await expect(importOptional(pkg, 'tradecore nothing', () => import(/* @vite-ignore */ pkg))).rejects.toThrow(
      new MissingPackageError(`tradecore nothing needs ${pkg}, which is not installed here: run \`${process.env.npm_config_user_agent?.startsWith('pnpm') ? 'pnpm add' : 'npm install'} ${pkg}\``),
    );
  });

  it('passes other errors through unchanged', async () => {
    const boom = new Error('boom');
    await expect(importOptional('x', 'tradecore x', () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('returns the module when it loads', async () => {
    const mod = await importOptional('commander', 'tradecore x', () => import('commander'));
    expect(typeof mod.Command).toBe('function');
  });
});
