import type { ConcreteBackend } from '@tradecore/trainer-gpu';
import { backendPassed, checkBackends, type BackendReport } from './backends.ts';
import type { CheckResult } from './checks.ts';
import { describeEnvironment, type EnvironmentReport } from './environment.ts';
import { loadPlugin } from './plugins.ts';
import { checkGuardBudget, checkIndicators, checkLedger, SHIPPED_VECTORS, type IndicatorVectors, type PluginSet } from './semantics.ts';

export { formatReport, reportWidth } from './report.ts';

export interface DoctorOptions {
  /** The project folder: its installed plugins are the ones checked. */
  readonly cwd: string;
  /** Check only this backend (required to load), besides cpu. */
  readonly backend?: ConcreteBackend;
  /** Reference values; the shipped ones by default (tests inject faults here). */
  readonly vectors?: IndicatorVectors;
  readonly onProgress?: (line: string) => void;
}

export interface DoctorReport {
  readonly format: 'tradecore-doctor/1';
  /** Every required check passed: `tradecore doctor` exits 0. */
  readonly ok: boolean;
  readonly startedAt: string;
  readonly seconds: number;
  readonly environment: EnvironmentReport;
  readonly backends: readonly BackendReport[];
  readonly checks: readonly CheckResult[];
  /** The plugin packages the semantic checks ran (the project's copies when it has them). */
  readonly plugins: Readonly<Record<string, { packageName: string; version: string; dir: string } | { error: string }>>;
}

async function loadPlugins(cwd: string): Promise<PluginSet> {
  const load = async (name: string, exportName?: string) => {
    try {
      return await loadPlugin(name, cwd, exportName);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const [rsi, atr, bollinger, vwap, zscore, riskGuard] = await Promise.all([
    load('rsi'),
    load('atr'),
    load('bollinger'),
    load('vwap'),
    load('zscore'),
    load('risk-guard', 'riskGuard'),
  ]);
  return { rsi: rsi!, atr: atr!, bollinger: bollinger!, vwap: vwap!, zscore: zscore!, riskGuard: riskGuard! };
}

/**
 * `tradecore doctor`: the machine, the compute backends (which load, on what GPU, how fast a short
 * training run is, whether they agree on the same policy) and the semantics self-test (indicators
 * against TA-Lib and exact reference values, a worked ledger, the risk guard's budget).
 */
export async function runDoctor({ cwd, backend, vectors = SHIPPED_VECTORS, onProgress }: DoctorOptions): Promise<DoctorReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  onProgress?.('environment');
  const environment = await describeEnvironment();
  onProgress?.('semantics self-test');
  const plugins = await loadPlugins(cwd);
  const checks: CheckResult[] = [...(await checkIndicators(plugins, vectors)), await checkLedger(plugins), await checkGuardBudget(plugins)];
  // The demo app's features and the risk guard: the env the timed training runs on.
  const envPlugins = () =>
    (
      [
        [plugins.vwap, { session: true }],
        [plugins.zscore, { source: 'close', period: 60 }],
        [plugins.rsi, { period: 14 }],
        [plugins.riskGuard, {}],
      ] as const
    ).flatMap(([p, options]) => (p instanceof Error ? [] : [p.create(options)]));
  const backends = await checkBackends({
    ...(backend ? { backend } : {}),
    envPlugins,
    onBackend: (name) => onProgress?.(`backend ${name}`),
  });
  const ok = checks.every((c) => !c.required || c.status === 'pass') && backends.every((b) => !b.required || backendPassed(b));
  const pluginInfo = Object.fromEntries(
    Object.entries(plugins).map(([key, p]) => [key, p instanceof Error ? { error: p.message } : { packageName: p.packageName, version: p.version, dir: p.dir }]),
  );
  return { format: 'tradecore-doctor/1', ok, startedAt, seconds: (performance.now() - started) / 1000, environment, backends, checks, plugins: pluginInfo };
}
