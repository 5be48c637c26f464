import { AbortError, CodexError, RequestTimeoutError, TurnTimeoutError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod } from '../generated/methods.js';
import type {
  Thread as ThreadInfo,
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
   * parsed answer: `thread.run<Review>(prompt, { outputSchema })`.
   */
  async run<Parsed = unknown>(input: TurnInput, options: TurnOptions = {}): Promise<TurnResult<Parsed>> {
    const handle = await this.turn(input, options);
    return handle.run<Parsed>();
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

/**
 * Settles like `work`, or rejects at the turn's deadline (`TurnTimeoutError`) or when `signal`
 * fires (`AbortError`). `work` gets a signal that fires in both cases, so it can stop waiting.
 */
async function withDeadline<T>(
  work: (stop: AbortSignal | undefined) => Promise<T>,
  deadline: { readonly at: number; readonly timeoutMs: number } | undefined,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (deadline === undefined && signal === undefined) return work(undefined);
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      new Promise<never>((_, reject) => {
        if (deadline !== undefined && Number.isFinite(deadline.at)) {
          const expire = (): void => reject(new TurnTimeoutError('deadline', deadline.timeoutMs, undefined));
          timer = setTimeout(expire, Math.max(0, deadline.at - performance.now()));
        }
        if (signal !== undefined) {
          onAbort = () => reject(new AbortError('turn()', signal.reason));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
      work(stop.signal),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    // Whatever settled first, the work's own waits (a tracker's idle waiter) are released.
    stop.abort();
  }
}
