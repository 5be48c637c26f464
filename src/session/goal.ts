import { AbortError, CodexError, InvalidArgumentError, TurnTimeoutError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { ThreadGoal, TokenUsageBreakdown, TurnSteerResponse } from '../generated/protocol.js';
import { deadlineIn, withDeadline, type Deadline } from './deadline.js';
import { HandleCore } from './handle-core.js';
import type { SteerInput } from './inputs.js';
import type { TraceContext } from '../rpc/trace.js';
import { finalResponseOf, initialTurnState, reduceTurn, toTurnResult, turnIdOf, type TurnResult, type TurnState } from './reducer.js';
import type { ThreadSession } from './thread.js';
import type { ThreadTracker } from './thread-tracker.js';
import { checkSessionOptions } from './validate.js';

// A goal is one objective the server works on over many turns it starts by itself (no
// turn/start), until the goal is complete, blocked, paused, over budget or cleared. The handle is
// a view over the turns the thread's tracker sees while the goal lives, folded by `reduceGoal`.

/** Options of `thread.goal()`. */
export interface GoalOptions {
  /** Tokens the goal may use; past them the server stops it (`budgetLimited`). A positive integer. */
  readonly tokenBudget?: number | undefined;
  /** Aborts the goal: pauses it and interrupts its running turn; `run()` rejects with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Deadline of the whole goal in ms, from this call on (waiting for earlier turns included): past
   * it, the goal is paused, its running turn interrupted, and `run()` rejects with `TurnTimeoutError`.
   * Default: none (the client's `turnTimeoutMs` bounds single turns, not goals).
   */
  readonly timeoutMs?: number | undefined;
  /** W3C trace context sent with the request that sets the goal (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null | undefined;
}

/** What is known of a goal so far. Built only by `reduceGoal`, one notification at a time. */
export interface GoalState {
  readonly threadId: string;
  /** The goal as last reported (each `thread/goal/updated` is the whole state); null before the first. */
  readonly goal: ThreadGoal | null;
  /** True once `thread/goal/cleared` arrived. */
  readonly cleared: boolean;
  /** Each turn of the goal, in the order they started. */
  readonly turns: readonly TurnState[];
  /** The goal turn running now, if any. */
  readonly runningTurnId: string | undefined;
  /** Tokens of every model response of the goal's turns, summed; null before the first. */
  readonly usage: TokenUsageBreakdown | null;
  /**
   * True once no more turns of the goal will run: its status is no longer `active` or it was
   * cleared, and its last turn has completed (or that turn was interrupted: the server does not
   * continue a goal after an interrupted turn).
   */
  readonly done: boolean;
}

/** The outcome of a goal. */
export interface GoalResult {
  /** The goal's final state as the server last reported it (`complete`, `paused`, `budgetLimited`, ...). */
  readonly goal: ThreadGoal | null;
  /** True if the goal was cleared (then `goal` is its state before). */
  readonly cleared: boolean;
  /** Each turn's result, in order. */
  readonly turns: readonly TurnResult[];
  /** The last turn's final response. */
  readonly finalResponse: string | null;
  /** Tokens of all the goal's turns, summed. */
  readonly usage: TokenUsageBreakdown | null;
}

export function initialGoalState(threadId: string): GoalState {
  return { threadId, goal: null, cleared: false, turns: [], runningTurnId: undefined, usage: null, done: false };
}

/**
 * Folds one notification of the goal's thread into its state. Pure: returns `state` itself when
 * nothing changed. Every turn that starts while the state is not done counts as a goal turn.
 */
export function reduceGoal(state: GoalState, notification: Notification): GoalState {
  if (state.done) return state;
  switch (notification.method) {
    case 'thread/goal/updated':
      if (notification.params.threadId !== state.threadId) return state;
      return settle({ ...state, goal: notification.params.goal, cleared: false });
    case 'thread/goal/cleared':
      if (notification.params.threadId !== state.threadId) return state;
      return settle({ ...state, cleared: true });
    case 'turn/started': {
      if (notification.params.threadId !== state.threadId) return state;
      const { id } = notification.params.turn;
      if (state.turns.some((turn) => turn.turnId === id)) return foldTurn(state, id, notification);
      const turn = reduceTurn(initialTurnState(state.threadId, id), notification);
      return settle({ ...state, turns: [...state.turns, turn], runningTurnId: id });
    }
    default: {
      const turnId = turnIdOf(notification);
      return turnId === undefined ? state : foldTurn(state, turnId, notification);
    }
  }
}

function foldTurn(state: GoalState, turnId: string, notification: Notification): GoalState {
  const at = state.turns.findIndex((turn) => turn.turnId === turnId);
  if (at === -1) return state;
  const before = state.turns[at]!;
  const after = reduceTurn(before, notification);
  const usage =
    notification.method === 'thread/tokenUsage/updated' && notification.params.turnId === turnId
      ? addUsage(state.usage, notification.params.tokenUsage.last)
      : state.usage;
  if (after === before && usage === state.usage) return state;
  const turns = after === before ? state.turns : state.turns.map((turn, i) => (i === at ? after : turn));
  const runningTurnId = after.completed && state.runningTurnId === turnId ? undefined : state.runningTurnId;
  return settle({ ...state, turns, usage, runningTurnId });
}

function settle(state: GoalState): GoalState {
  if (state.runningTurnId !== undefined) return state;
  const last = state.turns.at(-1);
  const stopped = state.cleared || (state.goal !== null && state.goal.status !== 'active') || last?.status === 'interrupted';
  return stopped ? { ...state, done: true } : state;
}

function addUsage(sum: TokenUsageBreakdown | null, add: TokenUsageBreakdown): TokenUsageBreakdown {
  if (sum === null) return { ...add };
  const total: TokenUsageBreakdown = {
    inputTokens: sum.inputTokens + add.inputTokens,
    cachedInputTokens: sum.cachedInputTokens + add.cachedInputTokens,
    outputTokens: sum.outputTokens + add.outputTokens,
    reasoningOutputTokens: sum.reasoningOutputTokens + add.reasoningOutputTokens,
    totalTokens: sum.totalTokens + add.totalTokens,
  };
  if (sum.cacheWriteInputTokens !== undefined || add.cacheWriteInputTokens !== undefined) {
    total.cacheWriteInputTokens = (sum.cacheWriteInputTokens ?? 0) + (add.cacheWriteInputTokens ?? 0);
  }
  return total;
}

/** The `GoalResult` for a state (done or not). */
export function toGoalResult(state: GoalState): GoalResult {
  const turns = state.turns.map(toTurnResult);
  const last = state.turns.at(-1);
  return {
    goal: state.goal,
    cleared: state.cleared,
    turns,
    finalResponse: last === undefined ? null : finalResponseOf(last.items),
    usage: state.usage,
  };
}

/** What a goal needs from its thread. */
export interface GoalContext {
  readonly threadId: string;
  readonly session: ThreadSession;
  readonly tracker: ThreadTracker;
}

/** `thread.goal()`: checks, waits for the thread to be idle, sets the goal and returns its handle. */
export async function startGoal(context: GoalContext, objective: string, options: GoalOptions = {}): Promise<GoalHandle> {
  checkGoalArguments(objective, options);
  const { signal } = options;
  if (signal?.aborted) throw new AbortError('goal()', signal.reason);
  // Not the client's turnTimeoutMs: that bounds one turn, and a goal runs many.
  const deadline = deadlineIn(options.timeoutMs);
  const { tracker, session, threadId } = context;
  const { previous, release } = tracker.lineUp();
  try {
    await withDeadline((stop) => previous.then(() => tracker.whenIdle(stop)), deadline, signal, 'goal()');
  } catch (error) {
    void previous.then(release);
    throw error;
  }
  // Watching before the request: the first turn's events may arrive with its answer.
  const handle = new GoalHandle(context, release);
  const withdraw = tracker.expectServerTurn();
  try {
    const { goal } = await session.request('thread/goal/set', {
      threadId,
      objective,
      status: 'active',
      ...(options.tokenBudget !== undefined && { tokenBudget: options.tokenBudget }),
    }, { trace: options.trace });
    handle.begin(goal, deadline, signal);
  } catch (error) {
    withdraw();
    handle.cancel();
    throw error;
  }
  return handle;
}

function checkGoalArguments(objective: unknown, options: GoalOptions): void {
  if (typeof objective !== 'string' || objective.trim().length === 0) {
    throw new InvalidArgumentError('objective', 'must be a non-empty string');
  }
  checkSessionOptions(options);
  const { tokenBudget } = options;
  if (tokenBudget !== undefined && !(Number.isSafeInteger(tokenBudget) && tokenBudget > 0)) {
    throw new InvalidArgumentError('tokenBudget', `must be a positive integer, got ${String(tokenBudget)}`);
  }
}

/**
 * A goal the server works on over many turns. Iterate it for the notifications of all its turns
 * (and its `thread/goal/*` updates), in order, ending after the last turn's `turn/completed` once
 * the goal is no longer active; or call `run()` for the `GoalResult`. Any number of consumers may
 * read at once; `break` releases one consumer and never stops the goal.
 */
export class GoalHandle implements AsyncIterable<Notification> {
  readonly threadId: string;
  readonly #context: GoalContext;
  /** The stream, the end, the outcome and the timers (shared with TurnHandle). */
  readonly #core: HandleCore<GoalResult>;
  #state: GoalState;
  #finished = false;
  #release: (() => void) | undefined;
  readonly #unwatch: () => void;
  /** Fires when the handle is done: ends its idle wait and signal listener. */
  readonly #stopWaiting = new AbortController();
  #onTurnStarted: (() => void) | undefined;

  /** @internal Created by `thread.goal()`. */
  constructor(context: GoalContext, release: () => void) {
    this.#context = context;
    this.threadId = context.threadId;
    this.#release = release;
    this.#state = initialGoalState(context.threadId);
    this.#core = new HandleCore(`The goal on thread ${this.threadId}`);
    this.#unwatch = context.tracker.watch({
      notify: (notification) => this.#observe(notification),
      close: (error) => this.#fail(error),
    });
  }

  /** The goal folded so far (`reduceGoal` over its notifications). */
  get state(): GoalState {
    return this.#state;
  }

  /** True once no more turns of the goal run (or the SDK stopped waiting, or the connection ended). */
  get done(): boolean {
    return this.#finished;
  }

  /** Resolves when the goal's handle has ended, however it ended. Never rejects. */
  whenDone(): Promise<void> {
    return this.#core.done;
  }

  /** The goal's notifications, in order; see the class comment. */
  stream(): AsyncIterable<Notification> {
    return this.#core.stream();
  }

  [Symbol.asyncIterator](): AsyncIterator<Notification> {
    return this.#core.subscribe();
  }

  /**
   * Waits for the goal to stop and returns its result (whatever the goal's final status: check
   * `result.goal.status`). Rejects with `AbortError` if its signal fired, `TurnTimeoutError` past
   * its deadline, `TransportClosedError` if the server went away. Iterate before or alongside
   * `run()`, not after: it consumes the stream.
   */
  run(): Promise<GoalResult> {
    return this.#core.outcome(() => toGoalResult(this.#state));
  }

  /** Pauses the goal: its running turn finishes, no further turn starts, and the stream ends after it. */
  async pause(): Promise<ThreadGoal> {
    return this.#setStatus('paused');
  }

  /** Makes a paused goal active again; the server starts a turn at once if none runs. */
  async resume(): Promise<ThreadGoal> {
    return this.#setStatus('active');
  }

  /** Clears the thread's goal: the running turn finishes and nothing follows it. False if there was none. */
  async clear(): Promise<boolean> {
    const { cleared } = await this.#context.session.request('thread/goal/clear', { threadId: this.threadId });
    return cleared;
  }

  /** Adds input to the goal's running turn. Throws `CodexError` when none runs. */
  async steer(input: SteerInput): Promise<TurnSteerResponse> {
    const turnId = this.#context.tracker.runningTurnId ?? this.#state.runningTurnId;
    if (turnId === undefined) throw new CodexError(`No turn of the goal on thread ${this.threadId} is running to steer`);
    return this.#context.session.control.steer(this.threadId, turnId, input);
  }

  /**
   * Pauses the goal and interrupts its running turn, so nothing continues: the stream then ends
   * after that turn's `turn/completed` (status `interrupted`), and `run()` resolves with the goal
   * `paused`.
   */
  async interrupt(): Promise<void> {
    if (this.done) return;
    await this.pause();
    if (this.done) return;
    // A turn may be starting (set a moment ago, or a continuation): interrupt it once it has.
    if (this.#state.runningTurnId === undefined && this.#context.tracker.busy) {
      await Promise.race([new Promise<void>((resolve) => (this.#onTurnStarted = resolve)), this.#core.done, this.#delay(1_000)]);
    }
    const turnId = this.#state.runningTurnId;
    if (turnId === undefined || this.done) return;
    await this.#context.session.control.interrupt(this.threadId, turnId).catch((error: unknown) => {
      if (!this.done && this.#state.runningTurnId === turnId) throw error;
    });
  }

  /** @internal The request setting the goal was answered: arm the deadline, the signal and the end. */
  begin(goal: ThreadGoal, deadline: Deadline | undefined, signal: AbortSignal | undefined): void {
    if (this.#state.goal === null) this.#state = { ...this.#state, goal };
    if (this.#finished) return;
    const { tracker } = this.#context;
    // Idle with no turn coming while the goal still counts as active: the server stopped working
    // on it (an interrupted or failed turn, another client). Nothing more will come.
    tracker.whenIdle(this.#stopWaiting.signal).then(
      () => this.#finish(),
      () => undefined,
    );
    if (deadline !== undefined && Number.isFinite(deadline.at)) {
      const expire = (): void => this.#stop(new TurnTimeoutError('deadline', deadline.timeoutMs, undefined, this.#state.runningTurnId));
      const left = deadline.at - performance.now();
      if (left <= 0) expire();
      else this.#core.timer(expire, left);
    }
    if (signal !== undefined) {
      const onAbort = (): void => this.#stop(new AbortError('goal()', signal.reason));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#stopWaiting.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
      }
    }
  }

  /** @internal Setting the goal failed: stop watching, give up the thread's line. */
  cancel(): void {
    this.#finish();
  }

  async #setStatus(status: 'paused' | 'active'): Promise<ThreadGoal> {
    const { goal } = await this.#context.session.request('thread/goal/set', { threadId: this.threadId, status });
    return goal;
  }

  #observe(notification: Notification): void {
    const before = this.#state;
    const state = reduceGoal(before, notification);
    this.#state = state;
    const method = notification.method;
    const ours =
      method === 'thread/goal/updated' ||
      method === 'thread/goal/cleared' ||
      (state !== before && method === 'turn/started') ||
      isGoalTurn(state, notification);
    if (ours) this.#core.events.push(notification);
    if (method === 'turn/started' && state.runningTurnId !== undefined) {
      this.#onTurnStarted?.();
      this.#onTurnStarted = undefined;
    }
    if (state.done) this.#finish();
  }

  /**
   * Stops the goal for `error`: pauses it and interrupts its running turn; consumers get `error`
   * once the turn has stopped or, if the server does not confirm within `interruptGraceMs`, without.
   */
  #stop(error: CodexError): void {
    if (this.#finished) return;
    const graceMs = this.#context.session.defaults.interruptGraceMs;
    if (!this.#core.stop(error, graceMs, () => this.#state.turns.at(-1), () => this.#finish())) return;
    this.interrupt().catch(() => undefined);
  }

  #fail(error: Error): void {
    if (this.#finished) return;
    this.#core.close(error);
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#unwatch();
    this.#stopWaiting.abort();
    this.#core.events.end();
    this.#release?.();
    this.#release = undefined;
    this.#onTurnStarted?.();
    this.#core.settle();
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#core.timer(resolve, ms));
  }
}

function isGoalTurn(state: GoalState, notification: Notification): boolean {
  const turnId = turnIdOf(notification);
  return turnId !== undefined && state.turns.some((turn) => turn.turnId === turnId);
}
