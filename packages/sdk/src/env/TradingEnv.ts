import { Broker } from '../execution/Broker.ts';
import { FillLog } from '../execution/FillLog.ts';
import { Ledger } from '../execution/Ledger.ts';
import type { OrderIntent, RewardContext, StopContext } from '../execution/types.ts';
import { REJECT, REJECT_REASONS } from '../execution/verifyOrder.ts';
import { bitsOf, wordsOf, writeFeatureWindow } from '../features/featureStore.ts';
import { hasTaps, type EpisodeStartInfo } from '../plugin/hooks.ts';
import { buildMasks, InvalidActionError, POSITION_STATE, type Action, type ActionSpace } from './actionSpace.ts';
import { createEnvContext, EnvConfigError, type CreateEnvOptions, type EnvContext } from './context.ts';
import { Rng } from './rng.ts';
import type { EnvInfo, ResetOptions, ResetResult, StepResult } from './types.ts';

/** `advance` status codes. */
export const STEP_TERMINATED = 1;
export const STEP_TRUNCATED = 2;

export interface TradingEnvOptions {
  /** Where to write observations (a view into a VecEnv buffer); default a private buffer. */
  observation?: Float32Array;
  /** Where to write the action mask; default a private buffer. */
  mask?: Uint8Array;
  envIndex?: number;
  seed?: number;
}

/**
 * A Gymnasium-style trading environment over one dataset. `reset` and `step` return the same
 * result objects every call, and `observation`, `mask` and `info` are updated in place: copy what
 * you keep. Observation = the last `window` bars of every normalised feature (bar-major, oldest
 * first: value of feature f at window row r is `observation[r × F + f]`) followed by the account:
 * position sign, exposure (position × close / equity), unrealised PnL / equity, stop distance
 * ((close − stop) / close, 0 when flat), bars in position / env.episodeLength (the config value, also in evaluation episodes), pending limit side.
 */
export class TradingEnv {
  readonly context: EnvContext;
  readonly actionSpace: ActionSpace;
  readonly observationSize: number;
  readonly observation: Float32Array;
  readonly #observationBits: Int32Array;
  readonly #observationWords: Float64Array | undefined;
  readonly mask: Uint8Array;
  readonly ledger: Ledger;
  /** Every fill of the episode, when the env records a ledger (empty otherwise). */
  readonly fills: FillLog;
  readonly broker: Broker;
  readonly envIndex: number;
  readonly #rng: Rng;
  #seed: number;
  readonly #masks: readonly [Uint8Array, Uint8Array, Uint8Array];
  #maskRow: Uint8Array;
  readonly #info: EnvInfo;
  readonly #resetResult: ResetResult;
  readonly #stepResult: StepResult;
  readonly #rewardContext: RewardContext = { equity: 0, previousEquity: 0, fee: 0, stopTriggered: false, position: 0, index: 0 };
  readonly #rewardHooked: boolean;
  readonly #episodeStartHooked: boolean;
  #index = 0;
  #startIndex = 0;
  #endIndex = 0;
  #steps = 0;
  #episodeLength = 0;
  #equity = 0;
  #done = true;
  #ruined = false;
  readonly #ruinEquity: number;
  /** Bit per REJECT code already logged by this env (the ledger counts every rejection). */
  #loggedRejects = 0;

  constructor(context: EnvContext, options: TradingEnvOptions = {}) {
    this.context = context;
    this.actionSpace = context.actionSpace;
    this.observationSize = context.observationSize;
    this.observation = options.observation ?? new Float32Array(context.observationSize);
    this.mask = options.mask ?? new Uint8Array(context.actionSpace.n);
    this.#observationBits = bitsOf(this.observation);
    // Copy the window as float64 words when both sides line up on 8 bytes (even feature count).
    this.#observationWords =
      context.matrixWords !== undefined ? wordsOf(this.observation.subarray(0, context.config.window * context.numFeatures)) : undefined;
    if (this.observation.length !== this.observationSize || this.mask.length !== this.actionSpace.n) {
      throw new EnvConfigError(`observation/mask buffers must have lengths ${this.observationSize}/${this.actionSpace.n}`);
    }
    this.envIndex = options.envIndex ?? 0;
    this.#seed = options.seed ?? 0;
    this.#rng = new Rng(this.#seed);
    this.#masks = buildMasks(context.actionSpace, context.params.allowShort);
    this.#maskRow = this.#masks[POSITION_STATE.FLAT];
    this.ledger = new Ledger(Math.min(context.config.episodeLength, context.bars.length) + 1);
    const hooks = context.engine.hooks;
    const order = hooks.order;
    const stop = hooks.stop;
    this.broker = new Broker(
      context.params,
      (intent: OrderIntent) => order.call(intent),
      hasTaps(stop) ? (price: number, ctx: StopContext) => stop.call(price, ctx) : undefined,
      { guard: context.engine.guardSnapshot, buckets: context.actionSpace.buckets },
    );
    this.fills = new FillLog();
    if (context.recordLedger) this.broker.fills = this.fills;
    this.#rewardHooked = hasTaps(hooks.reward);
    this.#episodeStartHooked = hasTaps(hooks.episodeStart);
    this.#ruinEquity = context.params.initialCash * (1 - context.config.ruinDrawdown);
    this.#info = this.#createInfo();
    this.#resetResult = { observation: this.observation, info: this.#info };
    this.#stepResult = { observation: this.observation, reward: 0, terminated: false, truncated: false, info: this.#info };
  }

  get numActions(): number {
    return this.actionSpace.n;
  }

  /** Bar of the current observation. */
  get index(): number {
    return this.#index;
  }

  /** Equity after the last step (cash + position × close). */
  get equity(): number {
    return this.#equity;
  }

  get done(): boolean {
    return this.#done;
  }

  encodeAction(action: Action): number {
    return this.actionSpace.encode(action);
  }

  decodeAction(index: number): Action {
    return this.actionSpace.decode(index);
  }

  /** 1 = allowed in the current state (the same array every call). */
  actionMask(): Uint8Array {
    return this.mask;
  }

  reset(options: ResetOptions = {}): ResetResult {
    const ctx = this.context;
    if (options.seed !== undefined) {
      if (!Number.isInteger(options.seed)) throw new EnvConfigError(`reset: seed must be an integer, got ${options.seed}`);
      this.#seed = options.seed;
      this.#rng.seed(options.seed);
    }
    const endIndex = options.endIndex ?? ctx.rangeEnd;
    if (!Number.isInteger(endIndex) || endIndex > ctx.rangeEnd || endIndex <= ctx.minStart) {
      throw new EnvConfigError(
        `reset: endIndex must be an integer in ${ctx.minStart + 1}..${ctx.rangeEnd} (the env's range ends at bar ${ctx.rangeEnd}), got ${endIndex}`,
      );
    }
    let start: number;
    if (options.startIndex !== undefined) {
      start = options.startIndex;
      if (!Number.isInteger(start) || start < ctx.minStart || start >= endIndex) {
        throw new EnvConfigError(
          `reset: startIndex must be an integer in ${ctx.minStart}..${endIndex - 1} (bars before ${ctx.minStart} are feature warm-up and the first window), got ${start}`,
        );
      }
      this.#episodeLength = endIndex - start;
    } else {
      const maxStart = Math.max(ctx.minStart, endIndex - ctx.config.episodeLength);
      start = ctx.minStart + this.#rng.nextInt(maxStart - ctx.minStart + 1);
      this.#episodeLength = ctx.config.episodeLength;
    }
    this.#index = start;
    this.#endIndex = endIndex;
    this.#steps = 0;
    this.#done = false;
    this.broker.reset();
    this.#equity = ctx.params.initialCash;
    this.ledger.clear(ctx.recordLedger ? Math.min(this.#episodeLength, endIndex - start) : 0);
    this.fills.clear();
    this.#startIndex = start;
    this.#ruined = false;
    this.mask.set(this.#masks[POSITION_STATE.FLAT]);
    this.#maskRow = this.#masks[POSITION_STATE.FLAT];
    this.#writeObservation();
    if (this.#episodeStartHooked) {
      const event: EpisodeStartInfo = { envIndex: this.envIndex, seed: this.#seed, startIndex: start };
      ctx.engine.hooks.episodeStart.call(event);
    }
    return this.#resetResult;
  }

  step(action: number): StepResult {
    const status = this.advance(action);
    const result = this.#stepResult;
    result.reward = this.lastReward;
    result.terminated = status === STEP_TERMINATED;
    result.truncated = status === STEP_TRUNCATED;
    return result;
  }

  /** Reward of the last step. */
  lastReward = 0;

  /**
   * The lean step a batched driver uses: the same execution, reward, ledger, observation and mask
   * as `step`, without updating `info` or a result object. Returns 0 (running), `STEP_TERMINATED`
   * or `STEP_TRUNCATED`; the reward is in `lastReward`.
   */
  advance(action: number): number {
    if (this.#done) throw new EnvConfigError('step() after the episode ended: call reset() first');
    const space = this.actionSpace;
    if (!(action >= 0 && action < space.n) || (action | 0) !== action) {
      throw new InvalidActionError(`action ${action} is outside Discrete(${space.n})`);
    }
    if (this.#maskRow[action] === 0) {
      throw new InvalidActionError(`action ${action} (${space.describe(action)}) is masked in the current state (position ${this.broker.position})`);
    }
    const ctx = this.context;
    const bars = ctx.bars;
    const broker = this.broker;
    const previousEquity = this.#equity;
    const j = this.#index + 1;
    broker.execute(bars, j, space.kinds[action] as number, space.limits[action] === 1, space.stopBuckets[action] as number);
    if (broker.stepRejectReason > REJECT.BY_HOOK) this.#logEnforced(broker.stepRejectReason, j);
    this.#index = j;
    this.#steps++;
    const close = bars.close[j] as number;
    const equity = broker.cash + broker.position * close;
    this.#equity = equity;
    let reward = Math.log((equity > 0 ? equity : 1e-9) / previousEquity);
    if (this.#rewardHooked) {
      const rc = this.#rewardContext;
      rc.equity = equity;
      rc.previousEquity = previousEquity;
      rc.fee = broker.stepFee;
      rc.stopTriggered = broker.stepStopTriggered === 1;
      rc.position = broker.position;
      rc.index = j;
      reward = ctx.engine.hooks.reward.call(reward, rc);
    }
    this.lastReward = reward;
    const ruined = equity <= this.#ruinEquity;
    this.#ruined = ruined;
    const terminated = ruined || j >= this.#endIndex;
    const truncated = !terminated && this.#steps >= this.#episodeLength;
    this.#done = terminated || truncated;
    if (ctx.recordLedger) this.#writeLedger(action, reward);
    this.#writeObservation();
    return terminated ? STEP_TERMINATED : truncated ? STEP_TRUNCATED : 0;
  }

  /**
   * The live info object: every field is a getter over the env's state, so a step writes nothing to
   * it (and boxes no numbers), and `{ ...info }` still copies plain values.
   */
  #createInfo(): EnvInfo {
    const b = this.broker;
    const times = this.context.bars.time;
    const field = (get: () => number | string): PropertyDescriptor => ({ get, enumerable: true });
    return Object.defineProperties({} as EnvInfo, {
      index: field(() => this.#index),
      time: field(() => times[this.#index] as number),
      step: field(() => this.#steps),
      startIndex: field(() => this.#startIndex),
      endIndex: field(() => this.#endIndex),
      equity: field(() => this.#equity),
      cash: field(() => b.cash),
      position: field(() => b.position),
      entryPrice: field(() => b.entryPrice),
      stopPrice: field(() => b.stopPrice),
      barsInPosition: field(() => b.barsInPosition),
      totalFees: field(() => b.totalFees),
      rejected: field(() => b.stepRejected),
      lastRejectReason: field(() => b.lastRejectReason),
      stopTriggered: field(() => b.stepStopTriggered),
      stopGapped: field(() => b.stepStopGapped),
      stopExcess: field(() => b.stepStopExcess),
      ruined: field(() => (this.#ruined ? 1 : 0)),
    });
  }

  /**
   * Logs the first entry of each kind the engine refused because a plugin broke the order hook's
   * contract (post-only and the guard's own rejections are not logged here); the ledger's
   * `rejectReason` records every one.
   */
  #logEnforced(code: number, bar: number): void {
    const bit = 1 << code;
    if ((this.#loggedRejects & bit) !== 0) return;
    this.#loggedRejects |= bit;
    this.context.log(
      `[engine] env ${this.envIndex}: entry at bar ${bar} rejected: ${REJECT_REASONS[code]} (ledger rejectReason ${code}; later ones are only counted in the ledger)`,
    );
  }

  #writeLedger(action: number, reward: number): void {
    const ledger = this.ledger;
    const r = ledger.nextRow();
    const c = ledger.columns;
    const b = this.broker;
    const j = this.#index;
    c.index[r] = j;
    c.time[r] = this.context.bars.time[j] as number;
    c.action[r] = action;
    c.submitted[r] = b.stepSubmitted;
    c.filled[r] = b.stepFilled;
    c.rejected[r] = b.stepRejected;
    c.rejectReason[r] = b.stepRejectReason;
    c.expired[r] = b.stepExpired;
    c.fillPrice[r] = b.stepFillPrice;
    c.qty[r] = b.stepQty;
    c.fee[r] = b.stepFee;
    c.cashDelta[r] = b.stepCashDelta;
    c.position[r] = b.position;
    c.stop[r] = b.stopPrice;
    c.stopTriggered[r] = b.stepStopTriggered;
    c.stopGapped[r] = b.stepStopGapped;
    c.stopExcess[r] = b.stepStopExcess;
    c.equity[r] = this.#equity;
    c.reward[r] = reward;
  }

  /** Writes the observation of the current bar, and the mask when the position state changed. */
  #writeObservation(): void {
    const ctx = this.context;
    const i = this.#index;
    const obs = this.observation;
    const window = ctx.config.window;
    const f = ctx.numFeatures;
    const words = this.#observationWords;
    if (words !== undefined) writeFeatureWindow(ctx.matrixWords as Float64Array, f >> 1, i, window, words, 0);
    else writeFeatureWindow(ctx.matrixBits, f, i, window, this.#observationBits, 0);
    const b = this.broker;
    const close = ctx.bars.close[i] as number;
    const equity = this.#equity;
    const position = b.position;
    let o = window * f;
    if (position === 0) {
      obs[o++] = 0;
      obs[o++] = 0;
      obs[o++] = 0;
      obs[o++] = 0;
      obs[o++] = 0;
    } else {
      obs[o++] = position > 0 ? 1 : -1;
      // Equity ≤ 0 only on the terminal step of a ruined account: keep the observation finite there.
      const solvent = equity > 0;
      obs[o++] = solvent ? (position * close) / equity : 0;
      obs[o++] = solvent ? (position * (close - b.entryPrice)) / equity : 0;
      obs[o++] = (close - b.stopPrice) / close;
      obs[o++] = b.barsInPosition / ctx.config.episodeLength;
    }
    obs[o] = b.pendingSide;

    const row = this.#masks[position === 0 ? POSITION_STATE.FLAT : position > 0 ? POSITION_STATE.LONG : POSITION_STATE.SHORT];
    if (row !== this.#maskRow) {
      this.#maskRow = row;
      // A plain loop: for ~18 bytes, TypedArray#set costs more in call overhead than the copy.
      const mask = this.mask;
      for (let a = 0; a < row.length; a++) mask[a] = row[a] as number;
    }
  }

}

/**
 * Builds a trading environment: resolves the plugins (refusing to go on without exactly one risk
 * guard, `@tradecore/plugin-risk-guard`), computes every feature once, and reads the action space
 * (`buckets`, `stopStepBps`) from the risk guard's options.
 */
export async function createEnv(options: CreateEnvOptions): Promise<TradingEnv> {
  const context = await createEnvContext(options);
  return new TradingEnv(context, { seed: options.seed ?? 0 });
}
