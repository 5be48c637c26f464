import { AbortError, CodexError, InvalidArgumentError, RequestTimeoutError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod } from '../generated/methods.js';
import type {
  ReviewTarget,
  Thread as ThreadInfo,
  ThreadGoal,
  ThreadForkResponse,
  ThreadReadResponse,
  ThreadResumeResponse,
  ThreadStartResponse,
  TurnStartParams,
} from '../generated/protocol.js';
import type { RequestOptions } from './codex.js';
import { checkBoolean, checkObject, checkString } from './validate.js';
import { toWireInput, type TurnInput } from './inputs.js';
import { toWireParams, type TurnOptions } from './options.js';
import type { TurnResult } from './reducer.js';
import type { AsyncStream } from './broadcast.js';
import type { ThreadTrackers } from './thread-tracker.js';
import type { TurnRouter } from './turn-router.js';
import { checkSessionOptions, checkTimeout } from './validate.js';
import { TurnHandle, type TurnControl } from './turn.js';
import { withDeadline } from './deadline.js';
import { startGoal, type GoalHandle, type GoalOptions, type GoalResult } from './goal.js';
import { startReview, type ReviewHandle, type ReviewOptions } from './review.js';

/** The settings the server reported when the thread was started, resumed or forked (model, cwd, approval policy, sandbox, ...). */
export type ThreadSettings = Omit<ThreadStartResponse | ThreadResumeResponse | ThreadForkResponse, 'thread'>;

/** Client-wide defaults of turn options (`Codex.start()` options). */
export interface TurnDefaults {
  readonly turnTimeoutMs: number | undefined;
  readonly stallTimeoutMs: number | undefined;
  readonly interruptGraceMs: number;
}

/** What a thread needs from its client. */
export interface ThreadSession {
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]['params'],
    options?: RequestOptions,
  ): Promise<ClientRequestMap[M]['result']>;
  readonly router: TurnRouter;
  readonly trackers: ThreadTrackers;
  readonly control: TurnControl;
  readonly defaults: TurnDefaults;
}

/** Options of `thread.run(objective, { goal })`: run a goal instead of one turn. */
export interface RunGoalOptions extends GoalOptions {
  /** `true`, or the goal's `{ tokenBudget }`. */
  readonly goal: true | { readonly tokenBudget?: number };
}

function goalOptionsOf(options: RunGoalOptions): GoalOptions {
  const { goal, ...rest } = options;
  for (const key of Object.keys(rest)) {
    if (key !== 'signal' && key !== 'timeoutMs' && key !== 'tokenBudget' && key !== 'trace') throw new InvalidArgumentError(`options.${key}`, 'does not apply to a goal run');
  }
  if (goal !== true && (typeof goal !== 'object' || goal === null)) throw new InvalidArgumentError('options.goal', 'must be true or { tokenBudget }');
  return goal === true ? rest : { ...rest, ...goal };
}

/** Options of `thread.compact()`. */
export interface CompactOptions {
  /** Aborts the wait; once the compaction has started, interrupts it. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A conversation on the server. Start, resume or fork one with `codex.threadStart()`,
 * `codex.threadResume()` or `codex.threadFork()`.
 *
 * Turns on one thread run one at a time: `turn()` waits until no turn runs on the thread,
 * whoever started it (this client, the server itself for a compaction or review, another
 * client), before it sends `turn/start`. To add input to a running turn, use `turn.steer()`.
 */
export class Thread {
  readonly id: string;
  /** The thread as the server described it when this object was created. */
  readonly info: ThreadInfo;
  /** The thread's settings as the server reported them when this object was created. */
  readonly settings: ThreadSettings;
  readonly #session: ThreadSession;

  /** @internal Created by `Codex`. */
  constructor(session: ThreadSession, response: ThreadStartResponse | ThreadResumeResponse | ThreadForkResponse) {
    const { thread, ...settings } = response;
    this.#session = session;
    this.info = thread;
    this.settings = settings;
    this.id = thread.id;
  }

  /**
   * Starts a turn and returns its handle once the server has accepted it. Rejects with
   * `AbortError`, starting nothing, if `signal` has already fired or fires while an earlier turn
   * is still running; if it fires later, the turn is interrupted. `timeoutMs` bounds the whole
   * turn from this call on (waiting for earlier turns included): past it, the turn is
   * interrupted and ends with `TurnTimeoutError`.
   */
  async turn(input: TurnInput, options: TurnOptions = {}): Promise<TurnHandle> {
    // Checks the options (signal, deadline, handlers included) before anything else.
    const params = toWireParams(options, undefined, 'sandboxPolicy');
    checkTimeout(options.stallTimeoutMs, 'stallTimeoutMs');
    const { signal } = options;
    if (signal?.aborted) throw new AbortError('turn()', signal.reason);
    const wire = { ...params, ...toWireInput(input), threadId: this.id } as TurnStartParams;
    const { defaults } = this.#session;
    const timeoutMs = options.timeoutMs ?? defaults.turnTimeoutMs;
    const deadline = timeoutMs === undefined ? undefined : { at: performance.now() + timeoutMs, timeoutMs };

    const tracker = this.#session.trackers.get(this.id);
    const { previous, release } = tracker.lineUp();
    try {
      await withDeadline((stop) => previous.then(() => tracker.whenIdle(stop)), deadline, signal);
    } catch (error) {
      // Keep the order for turns queued behind this one.
      void previous.then(release);
      throw error;
    }

    const router = this.#session.router;
    const pending = router.beginStart(this.id, options.onServerRequest);
    tracker.beginOwnStart();
    let turnId: string;
    try {
      // No signal and the client's request deadline: aborting (or the turn's deadline) must
      // interrupt the turn, which needs the id this answer carries.
      turnId = (await this.#session.request('turn/start', wire, { trace: options.trace })).turn.id;
    } catch (error) {
      router.abandonStart(pending);
      // Unanswered, it may still have started a turn: the thread is busy until the server says.
      tracker.ownStartFailed(error instanceof RequestTimeoutError);
      release();
      throw error;
    }
    const handle = new TurnHandle(this.id, turnId, this.#session.control, wire.outputSchema != null);
    const startedEarlier = tracker.ownStartAnswered(turnId);
    router.completeStart(pending, handle);
    // The answer named a turn that had started before it was asked for (input folded into it).
    if (startedEarlier !== undefined && handle.state.turn === undefined) handle.deliver(startedEarlier);
    void handle.whenDone().then(release);
    handle.limit({ deadline, stallTimeoutMs: options.stallTimeoutMs ?? defaults.stallTimeoutMs, interruptGraceMs: defaults.interruptGraceMs });

    if (signal !== undefined) {
      const onAbort = (): void => handle.abort(signal.reason);
      if (signal.aborted) {
        onAbort();
        await handle.whenDone();
        throw new AbortError('turn()', signal.reason);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      void handle.whenDone().then(() => signal.removeEventListener('abort', onAbort));
    }
    return handle;
  }

  /**
   * Runs a turn to its end: `turn()` then `run()`. With `outputSchema`, name the type of the
   * parsed answer: `thread.run<Review>(prompt, { outputSchema })`. With `goal`, sets `input` as
   * the thread's goal and runs it to its end instead: `goal()` then `run()`.
   */
  run<Parsed = unknown>(input: TurnInput, options?: TurnOptions & { readonly goal?: false }): Promise<TurnResult<Parsed>>;
  run(objective: string, options: RunGoalOptions): Promise<GoalResult>;
  async run(input: TurnInput, options: (TurnOptions & { readonly goal?: false }) | RunGoalOptions = {}): Promise<TurnResult | GoalResult> {
    if (options !== null && typeof options === 'object' && 'goal' in options && options.goal !== undefined && options.goal !== false) {
      return (await this.goal(input as string, goalOptionsOf(options as RunGoalOptions))).run();
    }
    const handle = await this.turn(input, options as TurnOptions);
    return handle.run();
  }

  /**
   * Sets the thread's goal and returns its handle once the server has accepted it: the server
   * then runs turns by itself until the goal is complete, blocked, paused, over budget or
   * cleared. Like `turn()`, waits until no turn runs on the thread first, and turns after it
   * wait for the goal to stop.
   */
  goal(objective: string, options: GoalOptions = {}): Promise<GoalHandle> {
    return startGoal({ threadId: this.id, session: this.#session, tracker: this.#session.trackers.get(this.id) }, objective, options);
  }

  /** Asks the server for the thread's goal (null when it has none). */
  async getGoal(): Promise<ThreadGoal | null> {
    const goal = (await this.#session.request('thread/goal/get', { threadId: this.id })).goal ?? null;
    const tracker = this.#session.trackers.get(this.id);
    // A notification processed meanwhile is newer than this answer.
    if (tracker.goal === undefined) tracker.setGoal(goal);
    return goal;
  }

  /**
   * The thread's goal as the server last reported it (`thread/goal/updated` and
   * `thread/goal/cleared`, each a whole snapshot): null when it has none, undefined when this
   * client has not heard yet (see `getGoal()`).
   */
  get currentGoal(): ThreadGoal | null | undefined {
    return this.#session.trackers.get(this.id).goal;
  }

  /**
   * Starts a code review (`review/start`) and returns its turn once the server has accepted it;
   * `run()` resolves with the rendered review in `review`. Waits until no turn runs on the thread
   * first; turns after it wait for it.
   */
  review(target: ReviewTarget, options: ReviewOptions = {}): Promise<ReviewHandle> {
    return startReview({ threadId: this.id, session: this.#session, tracker: this.#session.trackers.get(this.id) }, target, options);
  }

  /**
   * Turns on this thread that this client did not start with `turn()`, as they start: a
   * compaction, a review, goal continuations, turns of other clients of the same server.
   * Ends when the client closes; `break` stops listening.
   */
  turns(): AsyncStream<TurnHandle> {
    return this.#session.trackers.get(this.id).turns();
  }

  /** Reads the thread from the server; with `includeTurns`, its turns and their items too. */
  async read(options: { readonly includeTurns?: boolean | undefined } = {}): Promise<ThreadReadResponse> {
    checkObject(options, 'options');
    checkBoolean(options.includeTurns, 'includeTurns');
    return this.#session.request('thread/read', { threadId: this.id, includeTurns: options.includeTurns ?? false });
  }

  /** Renames the thread. */
  async setName(name: string): Promise<void> {
    checkString(name, 'name', true);
    await this.#session.request('thread/name/set', { threadId: this.id, name });
  }

  /**
   * Compacts the thread's history (summarizes it to free context) and resolves with the
   * compaction turn's result once it is done. The server runs the compaction as a turn of its
   * own: it waits for turns before it, and turns after it wait for it.
   */
  async compact(options: CompactOptions = {}): Promise<TurnResult> {
    checkSessionOptions(options);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError('compact()', signal.reason);
    const tracker = this.#session.trackers.get(this.id);
    const { previous, release } = tracker.lineUp();
    try {
      await withDeadline((stop) => previous.then(() => tracker.whenIdle(stop)), undefined, signal);
    } catch (error) {
      void previous.then(release);
      throw error;
    }
    const expected = tracker.expectTurn();
    let handle: TurnHandle | undefined;
    try {
      await this.#session.request('thread/compact/start', { threadId: this.id });
      expected.sent();
      handle = await withDeadline(() => expected.handle, undefined, signal);
    } catch (error) {
      expected.failed();
      release();
      throw error;
    }
    if (handle === undefined) {
      release();
      throw new CodexError(`thread/compact/start started no compaction turn on thread ${this.id}`);
    }
    void handle.whenDone().then(release);
    handle.limit({ interruptGraceMs: this.#session.defaults.interruptGraceMs });
    if (signal !== undefined) {
      const onAbort = (): void => handle.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void handle.whenDone().then(() => signal.removeEventListener('abort', onAbort));
      if (signal.aborted) onAbort();
    }
    return handle.run();
  }
}
