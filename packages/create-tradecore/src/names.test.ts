import { describe, expect, it } from 'vitest';
import { defaultPackageName, invalidPackageName, invalidPluginName, toPackageName } from './names.ts';

describe('package names', () => {
  it('derives a valid npm name from a folder', () => {
    expect(toPackageName('My Trading Bot')).toBe('my-trading-bot');
    expect(toPackageName('.hidden')).toBe('hidden');
    expect(toPackageName('***')).toBe('tradecore-app');
    expect(defaultPackageName('/tmp/work/My Bot', 'app')).toBe('my-bot');
  });

  it('gives plugins the prefix that tool manifests resolve', () => {
    expect(defaultPackageName('/x/momentum', 'indicator-plugin')).toBe('tradecore-plugin-momentum');
    expect(defaultPackageName('/x/plugin-momentum', 'indicator-plugin')).toBe('tradecore-plugin-momentum');
    expect(defaultPackageName('/x/tradecore-plugin-kama', 'indicator-plugin')).toBe('tradecore-plugin-kama');
    expect(invalidPluginName('tradecore-plugin-kama')).toBeUndefined();
    expect(invalidPluginName('tradecore-plugin-')).toMatch(/tradecore-plugin-<name>/);
    expect(invalidPluginName('@me/tradecore-plugin-kama')).toMatch(/tradecore-plugin-<name>/);
  });

  it('explains invalid npm names', () => {
    expect(invalidPackageName('@scope/ok-name')).toBeUndefined();
    expect(invalidPackageName('')).toMatch(/empty/);
    expect(invalidPackageName('Upper')).toMatch(/lower case/);
    expect(invalidPackageName('a'.repeat(215))).toMatch(/214/);
  });
});
