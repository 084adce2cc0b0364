import { AsyncSeriesHook, SyncHook, SyncWaterfallHook } from 'tapable';
import { PluginError } from '../errors.ts';
import type { OrderIntent, RewardContext, StopContext } from '../execution/types.ts';
import type { RunInfo, RunSummary, TrainerRegistry } from '../experiment/types.ts';
import type { FeatureRegistry } from '../features/types.ts';

export interface EpisodeStartInfo {
  readonly envIndex: number;
  readonly seed: number;
  readonly startIndex: number;
}

/**
 * Every hook the SDK calls, declared once. The class states the semantics:
 * - `features` (SyncHook): indicators add feature definitions. Called once per dataset, not per bar.
 * - `order` (SyncWaterfallHook): an entry order flows through execution helpers (stages below
 *   `STAGE.RISK_GUARD`), then the risk guard at `STAGE.RISK_GUARD`, which sizes it; only the guard may tap
 *   there or later, and what it sets is final. Called only when an entry fills.
 * - `stop` (SyncWaterfallHook): the stop price flows through trailing-stop helpers on each bar a
 *   position is held. Only called when something tapped it.
 * - `reward` (SyncWaterfallHook): reward shaping over the default log equity return. Only called when tapped.
 * - `episodeStart` (SyncHook): notification at every reset.
 * - `trainer` (SyncHook): trainer plugins register their algorithm.
 * - `runStart` / `runEnd` (AsyncSeriesHook): experiment lifecycle; awaited in order, errors reject the run.
 */
export interface EngineHooks {
  readonly features: SyncHook<[FeatureRegistry]>;
  readonly order: SyncWaterfallHook<[OrderIntent]>;
  readonly stop: SyncWaterfallHook<[number, StopContext]>;
  readonly reward: SyncWaterfallHook<[number, RewardContext]>;
  readonly episodeStart: SyncHook<[EpisodeStartInfo]>;
  readonly trainer: SyncHook<[TrainerRegistry]>;
  readonly runStart: AsyncSeriesHook<[RunInfo]>;
  readonly runEnd: AsyncSeriesHook<[RunSummary]>;
}

export type HookName = keyof EngineHooks;

type AnyTapFn = (...args: unknown[]) => unknown;
interface RegisteredTap {
  name: string;
  type: string;
  fn: AnyTapFn;
}

/**
 * Sees every tap as it registers, before it is wrapped: it may throw to refuse the tap, and it may
 * return a function that then runs each time that (sync) tap returns, with the value the tap hands on
 * (its result, or its first argument when it returns nothing). The engine uses it to enforce who may
 * tap `hooks.order` where and to copy the risk guard's result.
 */
export type TapObserver = (
  hook: HookName,
  tap: { readonly name: string; readonly type: string; readonly stage?: unknown },
) => ((handedOn: unknown) => void) | undefined;

/**
 * Wraps a tap so whatever it throws (or rejects with) becomes a PluginError naming the tap and hook,
 * and, for a sync tap, calls `onReturn` with what it hands on (one wrapper, so the hot path stays inlinable).
 */
function wrapTap<T extends RegisteredTap>(hookName: string, tap: T, onReturn?: (handedOn: unknown) => void): T {
  const original = tap.fn;
  const fail = (cause: unknown) => (cause instanceof PluginError ? cause : new PluginError(tap.name, hookName, cause));
  if (tap.type === 'promise') {
    tap.fn = (...args: unknown[]) => {
      try {
        return Promise.resolve(original(...args)).catch((cause: unknown) => {
          throw fail(cause);
        });
      } catch (cause) {
        return Promise.reject(fail(cause));
      }
    };
  } else if (tap.type === 'async') {
    tap.fn = (...args: unknown[]) => {
      const callback = args.pop() as (err?: unknown, result?: unknown) => void;
      try {
        original(...args, (err?: unknown, result?: unknown) => callback(err ? fail(err) : undefined, result));
      } catch (cause) {
        callback(fail(cause));
      }
    };
  } else {
    // Fixed arity (every sync hook takes at most two arguments): a rest/spread wrapper would
    // allocate an array on every call, and sync hooks run per fill in the env's hot loop.
    tap.fn =
      onReturn === undefined
        ? (a?: unknown, b?: unknown) => {
            try {
              return original(a, b);
            } catch (cause) {
              throw fail(cause);
            }
          }
        : (a?: unknown, b?: unknown) => {
            let result: unknown;
            try {
              result = original(a, b);
            } catch (cause) {
              throw fail(cause);
            }
            onReturn(result !== undefined ? result : a);
            return result;
          };
  }
  return tap;
}

/**
 * Whether any plugin tapped `hook`: the check to make before calling a per-step hook. Use it rather than
 * tapable's `isUsed()`, which also counts interceptors and so is always true here (every hook carries
 * the interceptor that names plugins in errors).
 */
export function hasTaps(hook: { readonly taps: readonly unknown[] }): boolean {
  return hook.taps.length > 0;
}

/**
 * A fresh, frozen hooks object. Each engine builds its own (tapable has no untap), and every tap
 * is wrapped so an error names its plugin: `PluginError { plugin, hook, cause }`. `observe` sees each
 * tap first (see {@link TapObserver}).
 */
export function createHooks(observe?: TapObserver): EngineHooks {
  const hooks: EngineHooks = {
    features: new SyncHook(['registry']),
    order: new SyncWaterfallHook(['intent']),
    stop: new SyncWaterfallHook(['stopPrice', 'context']),
    reward: new SyncWaterfallHook(['reward', 'context']),
    episodeStart: new SyncHook(['info']),
    trainer: new SyncHook(['registry']),
    runStart: new AsyncSeriesHook(['run']),
    runEnd: new AsyncSeriesHook(['summary']),
  };
  for (const [name, hook] of Object.entries(hooks)) {
    (hook as SyncHook<unknown[]>).intercept({
      register: (tap) => {
        const registered = tap as unknown as RegisteredTap;
        return wrapTap(name, registered, observe?.(name as HookName, registered)) as unknown as typeof tap;
      },
    });
  }
  return Object.freeze(hooks);
}
