import { AbortError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod } from '../generated/methods.js';
import type {
  Thread as ThreadInfo,
  ThreadCompactStartResponse,
  ThreadForkResponse,
  ThreadReadResponse,
  ThreadResumeResponse,
  ThreadStartResponse,
  TurnStartParams,
} from '../generated/protocol.js';
import type { RequestOptions } from './codex.js';
import { toWireInput, type TurnInput } from './inputs.js';
import { toWireParams, type TurnOptions } from './options.js';
import type { TurnResult } from './reducer.js';
import type { TurnRouter } from './turn-router.js';
import { TurnHandle, type TurnControl } from './turn.js';

/** The settings the server reported when the thread was started, resumed or forked (model, cwd, approval policy, sandbox, ...). */
export type ThreadSettings = Omit<ThreadStartResponse | ThreadResumeResponse | ThreadForkResponse, 'thread'>;

/** What a thread needs from its client. */
export interface ThreadSession {
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]['params'],
    options?: RequestOptions,
  ): Promise<ClientRequestMap[M]['result']>;
  readonly router: TurnRouter;
  readonly control: TurnControl;
}

/**
 * A conversation on the server. Start, resume or fork one with `codex.threadStart()`,
 * `codex.threadResume()` or `codex.threadFork()`.
 *
 * Turns on one thread run one at a time: `turn()` waits until the thread's previous turn
 * (started through this client) has completed before it sends `turn/start`. To add input to a
 * running turn, use `turn.steer()`.
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
   * is still running; if it fires later, the turn is interrupted.
   */
  async turn(input: TurnInput, options: TurnOptions = {}): Promise<TurnHandle> {
    // Checks the options (signal, deadline, handlers included) before anything else.
    const params = toWireParams(options, undefined, 'sandboxPolicy');
    const { signal } = options;
    if (signal?.aborted) throw new AbortError('turn()', signal.reason);
    const wire = { ...params, ...toWireInput(input), threadId: this.id } as TurnStartParams;

    const { previous, release } = this.#session.router.lineUp(this.id);
    try {
      await untilIdle(this.#session.router, this.id, previous, signal);
    } catch (error) {
      // Keep the order for turns queued behind this one.
      void previous.then(release);
      throw error;
    }

    const router = this.#session.router;
    const pending = router.beginStart(this.id);
    let turnId: string;
    try {
      // No signal here: aborting must interrupt the turn, which needs the id this answer carries.
      turnId = (await this.#session.request('turn/start', wire, { timeoutMs: options.timeoutMs, trace: options.trace })).turn.id;
    } catch (error) {
      router.abandonStart(pending);
      release();
      throw error;
    }
    const handle = new TurnHandle(this.id, turnId, this.#session.control, wire.outputSchema != null);
    router.completeStart(pending, handle, options.onServerRequest);
    void handle.whenDone().then(release);

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

  /** Reads the thread from the server; with `includeTurns`, its turns and their items too. */
  read(options: { readonly includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.#session.request('thread/read', { threadId: this.id, includeTurns: options.includeTurns ?? false });
  }

  /** Renames the thread. */
  async setName(name: string): Promise<void> {
    await this.#session.request('thread/name/set', { threadId: this.id, name });
  }

  /** Asks the server to compact the thread's history (summarize it to free context). */
  compact(): Promise<ThreadCompactStartResponse> {
    return this.#session.request('thread/compact/start', { threadId: this.id });
  }
}

/** Waits for the turn queued before this one on the thread, and for any turn still running on it. */
async function untilIdle(router: TurnRouter, threadId: string, previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  const wait = async (): Promise<void> => {
    await previous;
    for (let active = router.activeTurn(threadId); active !== undefined; active = router.activeTurn(threadId)) {
      await active.whenDone();
    }
  };
  if (signal === undefined) return wait();
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      wait(),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new AbortError('turn()', signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
