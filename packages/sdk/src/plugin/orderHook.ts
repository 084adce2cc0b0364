import type { GuardSnapshot, OrderIntent } from '../execution/types.ts';
import { copyIntent, createGuardSnapshot } from '../execution/verifyOrder.ts';
import type { TapObserver } from './hooks.ts';
import { PluginResolutionError } from './resolvePlugins.ts';
import { STAGE } from './stages.ts';
import type { TradecorePlugin } from './types.ts';

/** What `createOrderGuard` gives the engine. */
export interface OrderGuard {
  /** Where the risk guard's result is copied each time one of its taps returns. */
  readonly snapshot: GuardSnapshot;
  /** Pass to `createHooks`: checks every `order` tap as it registers. */
  readonly observe: TapObserver;
  /**
   * Runs a plugin's `setup`, attributing the taps it makes synchronously to it (a tap made after an
   * `await` in setup counts as made outside any setup: otherwise a microtask queued by another plugin
   * could tap while the guard's setup is pending and pass for the guard). Returns a warning when a risk
   * guard made no tap at `STAGE.RISK_GUARD` (every entry will then be rejected), else undefined.
   */
  setup(plugin: TradecorePlugin, run: () => void | Promise<void>): Promise<string | undefined>;
}

/**
 * Makes "nothing resizes an order after the risk guard" hold for `hooks.order`:
 * - at setup, a tap at `STAGE.RISK_GUARD` or later (or at a stage that is not a number below it, such as
 *   NaN, which tapable would put last) is refused unless the risk-guard plugin makes it, with an error
 *   naming the plugin;
 * - every tap of the risk guard at that stage copies its result into `snapshot` the moment it returns.
 *   The broker compares the entry leaving the hook with that copy (`verifySizedOrder`), so whatever gets
 *   past the setup check (a tap pushed into `hook.taps`, an interceptor, a `result` interceptor) still
 *   cannot change the guard's size or stop.
 */
export function createOrderGuard(): OrderGuard {
  const snapshot = createGuardSnapshot();
  let current: TradecorePlugin | undefined;
  let guardTaps = 0;

  const record = (handedOn: unknown): void => {
    snapshot.taken = true;
    snapshot.source = handedOn;
    if (typeof handedOn === 'object' && handedOn !== null) copyIntent(handedOn as OrderIntent, snapshot.values);
  };

  const observe: TapObserver = (hook, tap) => {
    if (hook !== 'order') return undefined;
    // tapable sorts by a number stage and treats anything else as 0.
    const stage = typeof tap.stage === 'number' ? tap.stage : 0;
    if (stage < STAGE.RISK_GUARD) return undefined;
    if (current === undefined || current.kind !== 'risk-guard') {
      const who = current === undefined ? `a tap named "${tap.name}" made outside any plugin's setup (or after an await in it)` : `plugin "${current.name}"`;
      throw new PluginResolutionError(
        `${who} taps hooks.order at stage ${String(tap.stage)}: only the risk guard may tap at STAGE.RISK_GUARD (${STAGE.RISK_GUARD}) or later, because nothing may resize an order after it. Execution helpers tap below it (STAGE.PRE, STAGE.DEFAULT or STAGE.POST) to adjust stopBucket or reject an order before the guard sizes it`,
      );
    }
    guardTaps++;
    return record;
  };

  return {
    snapshot,
    observe,
    async setup(plugin, run) {
      const before = guardTaps;
      current = plugin;
      let pending: void | Promise<void>;
      try {
        pending = run();
      } finally {
        current = undefined;
      }
      await pending;
      if (plugin.kind === 'risk-guard' && guardTaps === before) {
        return `risk-guard plugin "${plugin.name}" did not tap hooks.order at STAGE.RISK_GUARD: every entry will be rejected, because the engine fills only what that tap sized (hooks.order.tap({ name, stage: STAGE.RISK_GUARD }, (intent) => …))`;
      }
      return undefined;
    },
  };
}
