import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from '../../_testing.ts';
import { formatReport, runDoctor, type DoctorReport } from './index.ts';
import { EXPECTED_LEDGER } from './ledgerCase.ts';
import { loadPlugin } from './plugins.ts';
import { checkGuardBudget, checkIndicators, checkLedger, SHIPPED_VECTORS, type PluginSet } from './semantics.ts';

const SLOW = 600_000;

async function shippedPlugins(): Promise<PluginSet> {
  const load = (name: string, exportName?: string) => loadPlugin(name, REPO_ROOT, exportName);
  return {
    rsi: await load('rsi'),
    atr: await load('atr'),
    bollinger: await load('bollinger'),
    vwap: await load('vwap'),
    zscore: await load('zscore'),
    riskGuard: await load('risk-guard', 'riskGuard'),
  };
}

describe('semantics self-test', () => {
  let plugins: PluginSet;
  beforeAll(async () => {
    plugins = await shippedPlugins();
  });

  it('the shipped plugins pass every check', async () => {
    const checks = [...(await checkIndicators(plugins)), await checkLedger(plugins), await checkGuardBudget(plugins)];
    expect(checks).toHaveLength(7);
    for (const c of checks) expect(c.status, `${c.name}: ${c.detail} ${c.firstDifference ?? ''}`).toBe('pass');
    expect(checks.find((c) => c.group === 'risk-guard')!.detail).toMatch(/\d+ entries and \d+ stop exits/);
  });

  it('a wrong reference value fails its indicator check, naming the first difference', async () => {
    const rsi14 = [...SHIPPED_VECTORS.talib.rsi14];
    rsi14[100] = rsi14[100]! + 0.01;
    const checks = await checkIndicators(plugins, { ...SHIPPED_VECTORS, talib: { ...SHIPPED_VECTORS.talib, rsi14 } });
    const rsi = checks.find((c) => c.name.startsWith('RSI'))!;
    expect(rsi.status).toBe('fail');
    expect(rsi.firstDifference).toMatch(/^rsi_14\[100\]: expected [\d.]+, got [\d.]+ \(tolerance ±1e-9\)$/);
    expect(checks.filter((c) => c.status === 'pass'), 'the other indicators still pass').toHaveLength(4);
  });

  it('the whole doctor fails (ok: false) with one broken shipped vector, naming only that check', async () => {
    const atr14 = [...SHIPPED_VECTORS.talib.atr14];
    atr14[200] = atr14[200]! * 1.001;
    const broken = await runDoctor({ cwd: REPO_ROOT, backend: 'cpu', vectors: { ...SHIPPED_VECTORS, talib: { ...SHIPPED_VECTORS.talib, atr14 } } });
    expect(broken.ok).toBe(false);
    const failed = broken.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toEqual([expect.stringMatching(/^true range and ATR 14 vs TA-Lib/)]);
    expect(failed[0]!.firstDifference).toMatch(/^atr_14\[200\]: expected [\d.]+, got [\d.]+ \(tolerance ±1e-9\)$/);
    expect(formatReport(broken)).toMatch(/^FAIL — 1 semantic check and 0 required backends failed$/m);
    expect(broken.backends.map((b) => [b.backend, b.status])).toEqual([['cpu', 'loaded']]);
  }, SLOW);

  it('a wrong ledger value fails the ledger check at that row and field', async () => {
    const expected = EXPECTED_LEDGER.map((row, i) => (i === 2 ? { ...row, qty: -175.275 } : row));
    const check = await checkLedger(plugins, expected);
    expect(check.status).toBe('fail');
    expect(check.firstDifference).toBe('row 2 (bar 4) qty: expected -175.275, got -175.274');
  });

  it('a risk guard that sizes 50 % too large fails the budget property', async () => {
    const guard = plugins.riskGuard;
    if (guard instanceof Error) throw guard;
    const greedy = { ...guard, create: (options?: Record<string, unknown>) => guard.create({ ...options, riskPct: Number(options?.riskPct ?? 0.01) * 1.5 }) };
    const check = await checkGuardBudget({ ...plugins, riskGuard: greedy });
    expect(check.status).toBe('fail');
    expect(check.firstDifference).toMatch(/loss at the stop [\d.]+ > budget [\d.]+/);
  });
});

/** A project whose @tradecore/plugin-rsi is the real one with one value of its output changed. */
async function projectWithBrokenRsi(): Promise<string> {
  const dir = await tempDir('tradecore-doctor-');
  const pkg = path.join(dir, 'node_modules', '@tradecore', 'plugin-rsi');
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'broken-project', private: true, type: 'module' }));
  await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tradecore/plugin-rsi', version: '0.0.0-broken', type: 'module', exports: './index.js' }));
  // The built plugin when there is one (the built CLI runs without a TypeScript loader), else its source.
  const built = path.join(REPO_ROOT, 'packages/plugin-rsi/dist/index.js');
  const real = pathToFileURL(existsSync(built) ? built : path.join(REPO_ROOT, 'packages/plugin-rsi/src/index.ts')).href;
  await writeFile(
    path.join(pkg, 'index.js'),
    `import { rsiPlugin } from ${JSON.stringify(real)};
// The real plugin, except that every RSI it computes is 0.5 too high at bar 100.
export default function brokenRsi(options) {
  const plugin = rsiPlugin(options);
  return {
    ...plugin,
    setup(hooks, ctx) {
      const features = {
        tap: (name, fn) =>
          hooks.features.tap(name, (registry) => {
            const wrapped = Object.create(registry);
            wrapped.add = (definition) =>
              registry.add({ ...definition, batch(bars, out) { definition.batch(bars, out); out[0][100] += 0.5; } });
            return fn(wrapped);
          }),
      };
      plugin.setup({ ...hooks, features }, ctx);
    },
  };
}
`,
  );
  return dir;
}

describe('text report', () => {
  const report: DoctorReport = {
    format: 'tradecore-doctor/1',
    ok: false,
    startedAt: '2026-01-02T03:04:05.678Z',
    seconds: 12.3,
    environment: {
      node: 'v20.20.2',
      platform: 'linux',
      arch: 'x64',
      os: 'Debian GNU/Linux 12 (bookworm)',
      cpu: { model: 'Intel(R) Xeon(R) Processor @ 2.50GHz', cores: 2 },
      memory: { totalBytes: 24 * 1024 ** 3, freeBytes: 20 * 1024 ** 3 },
      nvidia: { error: 'nvidia-smi not found (no NVIDIA driver here)' },
      vulkan: { icdFiles: ['/usr/share/vulkan/icd.d/intel_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json'] },
      packages: { '@tradecore/cli': '0.1.0', '@tradecore/sdk': '0.1.0', '@tradecore/trainer-gpu': '0.1.0', webgpu: '0.6.2' },
    },
    backends: [
      { backend: 'webgpu', status: 'unavailable', required: true, reason: 'no WebGPU adapter: Vulkan found no device Dawn accepts', fix: 'an NVIDIA/AMD/Intel driver with Vulkan (its ICD json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; containers need NVIDIA_DRIVER_CAPABILITIES to include graphics)' },
    ],
    checks: [
      { group: 'indicators', name: 'RSI 14 (Wilder) vs TA-Lib, 252 bars (@tradecore/plugin-rsi 0.0.0-broken)', status: 'fail', required: true, detail: 'differs from the reference', firstDifference: 'rsi_14[100]: expected 56.1234567890123, got 56.6234567890123 (tolerance ±1e-9)' },
    ],
    plugins: {},
  };

  it.each([80, 120])('fits %i columns, continuation lines hanging under their text', (width) => {
    const text = formatReport(report, width);
    for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
    const flat = text.replace(/\n\s+/g, ' ');
    expect(flat).toMatch(/✗ webgpu {9}not available \(required\): no WebGPU adapter: Vulkan found no device Dawn accepts/);
    expect(flat).toContain('fix: an NVIDIA/AMD/Intel driver with Vulkan (its ICD json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d;');
    expect(flat).toContain('first difference: rsi_14[100]: expected 56.1234567890123, got 56.6234567890123 (tolerance ±1e-9)');
    expect(text).toContain('  vulkan    intel, lvp (/usr/share/vulkan/icd.d)\n');
    expect(text).toMatch(/^FAIL — 1 semantic check and 1 required backend failed$/m);
  });
});

describe('tradecore doctor', () => {
  it('passes on this machine: wasm and cpu load, train and agree; JSON for pod logs', async () => {
    const result = await runCli(['doctor', '--json', '--backend', 'wasm']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.format).toBe('tradecore-doctor/1');
    expect(report.ok).toBe(true);
    expect(report.environment.node).toBe(process.version);
    expect(report.environment.cpu.cores).toBeGreaterThan(0);
    expect(report.backends.map((b) => b.backend)).toEqual(['cpu', 'wasm']);
    for (const b of report.backends) {
      expect(b.status).toBe('loaded');
      expect(b.training?.stepsPerSecond).toBeGreaterThan(0);
      expect(b.inference?.ok).toBe(true);
    }
    expect(report.backends[1]!.inference!.maxRelativeDifference).toBeLessThanOrEqual(1e-5);
    expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(report.plugins.rsi).toMatchObject({ packageName: '@tradecore/plugin-rsi' });
  }, SLOW);

  it('fails (exit 1) when the project has a broken indicator plugin, and shows the first difference', async () => {
    const project = await projectWithBrokenRsi();
    const result = await runCli(['doctor', '--backend', 'cpu'], { cwd: project });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/✗ indicators: RSI 14 \(Wilder\) vs TA-Lib, 252 bars \(@tradecore\/plugin-rsi 0\.0\.0-broken\)/);
    expect(result.stdout).toMatch(/first difference: rsi_14\[100\]: expected [\d.]+, got [\d.]+/);
    expect(result.stdout).toMatch(/✓ indicators: true range and ATR 14/);
    expect(result.stdout).toMatch(/^FAIL — 1 semantic check and 0 required backends failed$/m);
  }, SLOW);

  it('a named backend that cannot load is required: exit 1 with the reason and the fix', async () => {
    const result = await runCli(['doctor', '--backend', 'tensorflow']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ tensorflow\s+not available \(required\): @tensorflow\/tfjs-node is not installed/);
    expect(result.stdout).toMatch(/fix: pnpm add @tensorflow\/tfjs-node/);
  }, SLOW);

  it('refuses an unknown backend name (exit 2)', async () => {
    const result = await runCli(['doctor', '--backend', 'cuda']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--backend must be one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu, got "cuda"/);
  });
});
