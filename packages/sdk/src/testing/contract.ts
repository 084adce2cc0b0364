import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { ValidationError } from '../errors.ts';
import type { Bars, ColumnName, FeatureDefinition } from '../features/types.ts';
import { createEngine, type Engine } from '../plugin/createEngine.ts';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type PluginOption, type TradecorePlugin } from '../plugin/types.ts';
import { columnsOf, sliceBars } from '../data/bars.ts';
import { contractBars } from './bars.ts';
import {
  checkCausality,
  checkDeclaration,
  checkWarmup,
  firstMismatch,
  guardedBars,
  runBatch,
  runStream,
  STREAM_TOLERANCE,
} from './checks.ts';

export interface CreateTestEngineOptions {
  plugins: readonly PluginOption[];
}

/** An engine for tests: no risk guard required, log lines collected in `logs`. */
export async function createTestEngine({ plugins }: CreateTestEngineOptions): Promise<Engine & { logs: string[] }> {
  const logs: string[] = [];
  const engine = await createEngine({ plugins, requireRiskGuard: false, log: (line) => logs.push(line) });
  return { ...engine, logs };
}

/** Every feature definition the plugin registers for a dataset with these columns. */
export async function collectDefinitions(plugin: TradecorePlugin, columns: Iterable<ColumnName>): Promise<FeatureDefinition[]> {
  const engine = await createTestEngine({ plugins: [plugin] });
  return engine.collectFeatures(columns);
}

// A factory as packages export it; the options type is the factory's own.
type AnyFactory = (options?: never) => TradecorePlugin;

export interface IndicatorContractOptions {
  /** The plugin under test (already configured); or give `factory` (and `options`). */
  plugin?: TradecorePlugin;
  /** The package's factory; called with `options` when `plugin` is not given. */
  factory?: AnyFactory;
  options?: unknown;
  /** Bars to run on; default {@link contractBars}() (2,000 BTC-like bars with order flow and a flat stretch). */
  bars?: Bars;
  /** Columns announced to the plugin; default: the columns `bars` carries. */
  availableColumns?: Iterable<ColumnName>;
  /** Relative tolerance of batch against streaming; default 1e-12. */
  tolerance?: number;
  /** describe() title; default `indicator contract: <plugin name>`. */
  title?: string;
}

/**
 * Registers a vitest `describe` block that checks an indicator plugin against the TradeCore feature
 * contract: declarations, batch == streaming, causality, warm-up, determinism, declared inputs only.
 *
 * ```ts
 * import { testIndicatorContract } from '@tradecore/sdk/testing';
 * testIndicatorContract({ plugin: myPlugin({ window: 10 }) });
 * testIndicatorContract({ factory: myPlugin, options: { window: 10 } }); // the same
 * ```
 */
export function testIndicatorContract({
  plugin: given,
  factory,
  options,
  bars = contractBars(),
  availableColumns,
  tolerance = STREAM_TOLERANCE,
  title,
}: IndicatorContractOptions): void {
  const plugin = given ?? (factory as ((options?: unknown) => TradecorePlugin) | undefined)?.(options);
  if (!plugin) throw new TypeError('testIndicatorContract: give `plugin` or `factory`');
  const available = new Set<ColumnName>(availableColumns ?? columnsOf(bars));
  describe(title ?? `indicator contract: ${plugin.name}`, () => {
    let definitions: FeatureDefinition[] = [];
    const full = new Map<FeatureDefinition, Float64Array[]>();

    beforeAll(async () => {
      definitions = await collectDefinitions(plugin, available);
      for (const definition of definitions) full.set(definition, runBatch(definition, bars));
    });

    it('is an indicator plugin that registers at least one feature', () => {
      expect(plugin.kind, 'kind').toBe('indicator');
      expect(definitions.length, 'features registered in hooks.features').toBeGreaterThan(0);
    });

    it('declares ids, snake_case unique outputs, available inputs and a warm-up', () => {
      const ids = definitions.map((d) => d.id);
      expect(new Set(ids).size, `feature ids must be unique: ${ids.join(', ')}`).toBe(ids.length);
      expect(definitions.flatMap((d) => checkDeclaration(d, available))).toEqual([]);
    });

    it('batch writes every value and is finite from the warm-up on', () => {
      expect(definitions.map((d) => checkWarmup(d, full.get(d)!)).filter(Boolean)).toEqual([]);
    });

    it(`streaming equals batch (relative ${tolerance})`, () => {
      const problems = definitions.map((d) => firstMismatch(d, full.get(d)!, runStream(d, bars), tolerance, 'streaming differs from batch'));
      expect(problems.filter(Boolean)).toEqual([]);
    });

    it('accepts an empty series and a single bar', () => {
      for (const definition of definitions) {
        expect(() => runBatch(definition, sliceBars(bars, 0, 0)), `${definition.id} on 0 bars`).not.toThrow();
        const one = runBatch(definition, sliceBars(bars, 0, 1));
        expect(one.map((column) => column.length)).toEqual(definition.outputs.map(() => 1));
      }
    });

    it('is causal: truncating the future changes no past value', () => {
      expect(definitions.map((d) => checkCausality(d, bars, full.get(d)!)).filter(Boolean)).toEqual([]);
    });

    it('is deterministic: a second batch run and a second stream are identical', () => {
      const problems = definitions.flatMap((d) => [
        firstMismatch(d, full.get(d)!, runBatch(d, bars), 0, 'second batch run differs'),
        firstMismatch(d, runStream(d, bars), runStream(d, bars), 0, 'second stream differs'),
      ]);
      expect(problems.filter(Boolean)).toEqual([]);
    });

    it('reads only its declared input columns (batch and stream)', () => {
      const problems: string[] = [];
      for (const definition of definitions) {
        try {
          const guarded = runBatch(definition, guardedBars(bars, definition.inputs, definition.id));
          const mismatch = firstMismatch(definition, full.get(definition)!, guarded, 0, 'batch on guarded bars differs');
          if (mismatch) problems.push(mismatch);
          runStream(definition, bars, true);
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      expect(problems).toEqual([]);
    });
  });
}

export interface InvalidOptionsCase {
  options: unknown;
  /** Expected issue path, e.g. `window` (the dotted path inside the options). */
  path?: string;
}

export interface PluginContractOptions {
  factory: AnyFactory;
  /**
   * The package's package.json (path or URL): checks that the plugin's name and version are the
   * package's, that `@tradecore/sdk` is a peer dependency, and (for community packages) the
   * `tradecore-plugin` keyword.
   */
  packageJson?: string | URL;
  /** Options the factory must accept. */
  valid?: readonly unknown[];
  /** Options the factory must reject with a ValidationError (optionally naming `path`). */
  invalid?: readonly (InvalidOptionsCase | Record<string, unknown>)[];
  title?: string;
}

function isCase(value: InvalidOptionsCase | Record<string, unknown>): value is InvalidOptionsCase {
  return typeof value === 'object' && value !== null && 'options' in value && Object.keys(value).every((k) => k === 'options' || k === 'path');
}

const NAME_CONVENTION = /^(@tradecore\/plugin-[a-z0-9-]+|tradecore-plugin-[a-z0-9-]+|@[a-z0-9-]+\/tradecore-plugin-[a-z0-9-]+)$/;

/**
 * Registers a vitest `describe` block checking a plugin factory, in the style of ESLint's RuleTester:
 * the plugin object (name convention, version, apiVersion, kind, frozen), defaults that satisfy the
 * schema, `valid` options accepted and `invalid` options rejected with a ValidationError.
 */
export function testPluginContract({ factory, packageJson, valid = [], invalid = [], title }: PluginContractOptions): void {
  const call = factory as (options?: unknown) => TradecorePlugin;
  describe(title ?? 'plugin contract', () => {
    it.skipIf(packageJson === undefined)('matches its package.json (name, version, peer dependency, keyword)', () => {
      const pkg = JSON.parse(readFileSync(packageJson!, 'utf8')) as {
        name?: string;
        version?: string;
        keywords?: string[];
        peerDependencies?: Record<string, string>;
      };
      const plugin = call();
      expect(plugin.name, 'plugin name = package name').toBe(pkg.name);
      expect(plugin.version, 'plugin version = package version').toBe(pkg.version);
      expect(Object.keys(pkg.peerDependencies ?? {}), '@tradecore/sdk must be a peer dependency, not bundled').toContain('@tradecore/sdk');
      if (!plugin.name.startsWith('@tradecore/')) expect(pkg.keywords ?? [], 'keyword that makes the plugin findable').toContain('tradecore-plugin');
    });

    it('builds a frozen, well-formed plugin from defaults', () => {
      const plugin = call();
      expect(plugin.name, 'npm name: @tradecore/plugin-<x> or tradecore-plugin-<x>').toMatch(NAME_CONVENTION);
      expect(plugin.version, 'semver version').toMatch(/^\d+\.\d+\.\d+/);
      expect(plugin.apiVersion, 'plugin API major').toBe(PLUGIN_API_VERSION);
      expect(PLUGIN_KINDS, 'kind').toContain(plugin.kind);
      expect(typeof plugin.setup, 'setup').toBe('function');
      expect(Object.isFrozen(plugin), 'plugin object is frozen').toBe(true);
    });

    it('has a JSON-serialisable options schema that its defaults satisfy', () => {
      const plugin = call();
      if (!plugin.optionsSchema) return;
      expect(() => JSON.stringify(plugin.optionsSchema)).not.toThrow();
      expect(Value.Check(plugin.optionsSchema, plugin.options), 'default options satisfy the schema').toBe(true);
    });

    it.each(valid.map((options) => [JSON.stringify(options), options] as const))('accepts %s', (_label, options) => {
      const plugin = call(options);
      if (plugin.optionsSchema) expect(Value.Check(plugin.optionsSchema, plugin.options)).toBe(true);
    });

    it.each(invalid.map((entry) => {
      const c: InvalidOptionsCase = isCase(entry) ? entry : { options: entry };
      return [JSON.stringify(c.options), c] as const;
    }))('rejects %s', (_label, { options, path }) => {
      let caught: unknown;
      try {
        call(options);
      } catch (error) {
        caught = error;
      }
      expect(caught, 'factory must throw a ValidationError').toBeInstanceOf(ValidationError);
      if (path !== undefined) expect((caught as ValidationError).issues.map((i) => i.path)).toContain(path);
    });
  });
}
