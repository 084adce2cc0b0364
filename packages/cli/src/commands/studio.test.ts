import { describe, expect, it } from 'vitest';
import { runCli } from '../_testing.ts';

describe('tradecore studio options', () => {
  it('refuses a pull rate limit below 0 and a REST URL that is not http(s), before anything starts', { timeout: 120_000 }, async () => {
    const rate = await runCli(['studio', '--port', '0', '--pull-rate-limit=-1']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--pull-rate-limit must be a number ≥ 0 (requests per second; 0: no limit), got "-1"');
    expect(rate.stdout).not.toContain('TradeCore Studio');
    const url = await runCli(['studio', '--port', '0', '--pull-rest-url', 'file:///etc/passwd']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--pull-rest-url must be an http:// or https:// URL, got "file:///etc/passwd"');
  });
});
