import pRetry from 'p-retry';
import { AuthenticationError, InvalidArgumentError, TransportClosedError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { ThreadItem, ThreadReadResponse, ThreadResumeResponse, Turn } from '../generated/protocol.js';
import type { RpcConnection } from '../rpc/connection.js';
import { parseEndpoint } from '../transport/endpoint.js';
import type { MessageTransport } from '../transport/transport.js';
import { attach, type ClientParts } from './client-parts.js';
import type { CodexConnectOptions } from './connect.js';
import type { TurnHandle } from './turn.js';
import { describe } from './validate.js';

// Survives an unexpected drop of a `Codex.connect()` connection: dials again with backoff,
// initializes, resumes the threads this client had loaded, and brings each running turn up to
// what the server stored (`thread/read`), so iterating a turn and `run()` go on across the gap.

/** `reconnect` option of `Codex.connect()`. */
export interface ReconnectOptions {
  /** Attempts after a drop before the client closes for good. Default 10. */
  readonly retries?: number | undefined;
  /** Delay before the first attempt, in ms; it doubles (with jitter) each time. Default 250. */
  readonly minDelayMs?: number | undefined;
  /** Upper bound of a delay, in ms. Default 5000. */
  readonly maxDelayMs?: number | undefined;
}

/** Payload of the `reconnect` event. */
export interface ReconnectEvent {
  /**
   * Dials since the drop, the last one included (1 when the first one worked). A connection
   * that dropped again while threads were being resumed counts too: the event fires once, for
   * the connection that is now in use.
   */
  readonly attempts: number;
  /** Threads resumed on the new connection. */
  readonly threadIds: readonly string[];
  /** Turns brought up to date from `thread/read` (items, or the `turn/completed` missed in the gap). */
  readonly recoveredTurnIds: readonly string[];
}

export function checkReconnectOptions(value: unknown): Required<ReconnectOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  const options = (value === true ? {} : value) as ReconnectOptions;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('reconnect', `must be a boolean or an object, got ${describe(value)}`);
  }
  const number = (name: keyof ReconnectOptions, fallback: number, integer: boolean): number => {
    const n = options[name];
    if (n === undefined) return fallback;
    if (typeof n !== 'number' || !(n >= 0) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`reconnect.${name}`, `must be ${integer ? 'an integer' : 'a number'}, 0 or more, got ${describe(n)}`);
    }
    return n;
  };
  return { retries: number('retries', 10, true), minDelayMs: number('minDelayMs', 250, false), maxDelayMs: number('maxDelayMs', 5_000, false) };
}

type Dial = (signal: AbortSignal) => Promise<MessageTransport>;

/**
 * Owns the client's connection when `reconnect` is on: installs itself as the link's drop
 * handler and `close()`.
 */
export class Reconnector {
  readonly #parts: ClientParts;
  readonly #options: CodexConnectOptions;
  readonly #settings: Required<ReconnectOptions>;
  readonly #dial: Dial;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  /** The new connection dropped while threads were being resumed: go round again. */
  #again = false;
  /** Dials since the drop, over every round of the loop. */
  #attempts = 0;

  constructor(parts: ClientParts, options: CodexConnectOptions, settings: Required<ReconnectOptions>, dial: Dial) {
    this.#parts = parts;
    this.#options = options;
    this.#settings = settings;
    this.#dial = dial;
    parts.link.onDrop = (error) => {
      if (this.#stop.signal.aborted) return false;
      // A drop during the reconnection itself: the loop already at work goes round again.
      if (this.#running !== undefined) this.#again = true;
      this.#running ??= this.#loop(error).finally(() => (this.#running = undefined));
      return true;
    };
    parts.link.close = () => this.close();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#parts.link.connection?.close();
    await this.#running;
  }

  async #loop(dropped: TransportClosedError): Promise<void> {
    this.#attempts = 0;
    this.#parts.listeners.emit('disconnected', dropped);
    do await this.#reconnect(dropped);
    while (this.#again && !this.#stop.signal.aborted && this.#parts.link.closedError === undefined);
  }

  async #reconnect(dropped: TransportClosedError): Promise<void> {
    const parts = this.#parts;
    let connection: RpcConnection;
    try {
      connection = await pRetry(
        async () => {
          this.#attempts++;
          const transport = await this.#dial(this.#stop.signal);
          return (await attach(transport, parts, this.#options, this.#stop.signal)).connection;
        },
        {
          retries: this.#settings.retries,
          factor: 2,
          minTimeout: this.#settings.minDelayMs,
          maxTimeout: this.#settings.maxDelayMs,
          randomize: true,
          signal: this.#stop.signal,
          // A refused token will not be accepted on the next try either.
          shouldRetry: ({ error }) => !(error instanceof AuthenticationError) && !(error instanceof InvalidArgumentError),
        },
      );
    } catch (error) {
      // Closed during the gap: the client ends as closed. Else say why reconnecting stopped.
      parts.finish(this.#stop.signal.aborted ? dropped : this.#gaveUp(dropped, error));
      return;
    }
    // Drops seen while dialing were of failed attempts; from here on a drop means this connection.
    this.#again = false;
    if (this.#stop.signal.aborted) return;
    const threadIds: string[] = [];
    const recoveredTurnIds: string[] = [];
    const activeThreads = new Set<string>();
    for (const threadId of parts.loadedThreads) {
      try {
        const { thread } = (await connection.request('thread/resume', { threadId })) as ThreadResumeResponse;
        threadIds.push(threadId);
        if (thread.status.type === 'active') activeThreads.add(threadId);
      } catch (error) {
        // The new connection dropped too: the loop goes round again.
        if (error instanceof TransportClosedError) return;
        // Gone (archived, deleted) or never resumable (no turn yet): its running turns cannot go on.
        this.#lose(threadId, dropped, error);
      }
    }
    // Resumed first, read second: whatever the read does not show yet arrives live. Only threads
    // where a turn runs, here (handles, a busy tracker) or on the server, are read.
    for (const threadId of threadIds) {
      const handles = parts.turns.router.running().filter((handle) => handle.threadId === threadId);
      if (handles.length === 0 && !parts.turns.trackers.get(threadId).busy && !activeThreads.has(threadId)) continue;
      let thread: ThreadReadResponse['thread'];
      try {
        thread = ((await connection.request('thread/read', { threadId, includeTurns: true })) as ThreadReadResponse).thread;
      } catch {
        continue;
      }
      for (const handle of handles) if (this.#recover(handle, thread.turns)) recoveredTurnIds.push(handle.id);
      const adopted = this.#resync(threadId, thread);
      if (adopted !== undefined) recoveredTurnIds.push(adopted);
    }
    if (this.#again || this.#stop.signal.aborted || parts.link.closedError !== undefined) return;
    parts.listeners.emit('reconnect', { attempts: this.#attempts, threadIds, recoveredTurnIds } satisfies ReconnectEvent);
  }

  /**
   * Why the client closes after a drop: the dial refused for good (a token the server no longer
   * takes) or the retries ran out. A `TransportClosedError`, as for any end of the connection,
   * whose `cause` is the last dial's error (`AuthenticationError`, `ConnectionError`, ...).
   */
  #gaveUp(dropped: TransportClosedError, error: unknown): TransportClosedError {
    const why = error instanceof Error ? error.message : String(error);
    const refused = error instanceof AuthenticationError || error instanceof InvalidArgumentError;
    const what = refused ? 'reconnecting stopped' : `reconnecting gave up after ${this.#attempts} dial(s)`;
    return new TransportClosedError(`The connection to the app-server was lost; ${what}: ${why}`, { ...detailsOf(dropped), url: this.#url() }, { cause: error });
  }

  /**
   * The server would not resume `threadId` on the new connection (deleted, unknown to a restarted
   * server, never stored): its running turns end with a `TransportClosedError` naming the thread,
   * whose `cause` is the server's refusal; whatever waits on the thread is released, and the
   * thread is no longer resumed by later reconnects.
   */
  #lose(threadId: string, dropped: TransportClosedError, refusal: unknown): void {
    const parts = this.#parts;
    const why = refusal instanceof Error ? refusal.message : String(refusal);
    const error = new TransportClosedError(
      `The connection to the app-server was lost, and thread ${threadId} could not be resumed after reconnecting (${why})`,
      { ...detailsOf(dropped), url: this.#url() },
      { cause: refusal },
    );
    for (const handle of parts.turns.router.running()) if (handle.threadId === threadId) handle.fail(error);
    parts.turns.trackers.drop(threadId, error);
    parts.loadedThreads.delete(threadId);
  }

  #url(): string | undefined {
    try {
      return parseEndpoint(this.#options.url, this.#options.codexHome).display;
    } catch {
      return undefined;
    }
  }

  /**
   * Sets the thread's tracker right by what the server stored: a turn that started during the
   * gap and still runs (another client's, a goal's) is adopted as at its `turn/started` (the
   * stored turn), so `thread.turns()` hands it out and `turn()` waits for it; a thread the
   * tracker still counts as busy but the server reports idle, with no turn running, becomes
   * idle. Returns the id of an adopted turn.
   */
  #resync(threadId: string, thread: ThreadReadResponse['thread']): string | undefined {
    const { turns } = this.#parts;
    const last = thread.turns.at(-1);
    const running = thread.status.type === 'active' && last?.status === 'inProgress';
    if (running && !turns.router.isRouted(last.id)) {
      this.#parts.feed({ method: 'turn/started', params: { threadId, turn: { ...last, items: [] } } } as Notification);
      const handle = turns.router.handle(last.id);
      if (handle !== undefined) this.#recover(handle, thread.turns);
      return last.id;
    }
    if (!running && turns.router.running().every((handle) => handle.threadId !== threadId)) turns.trackers.get(threadId).resyncIdle();
    return undefined;
  }

  /** Delivers what the server stored of `handle`'s turn and the handle has not seen. */
  #recover(handle: TurnHandle, stored: readonly Turn[]): boolean {
    const turn = stored.find((candidate) => candidate.id === handle.id);
    if (turn === undefined || handle.done) return false;
    const seen = new Set(handle.state.items.map((item) => item.id));
    let recovered = false;
    for (const item of turn.items) {
      if (seen.has(item.id) || isInProgress(item)) continue;
      this.#parts.feed({ method: 'item/completed', params: { threadId: handle.threadId, turnId: handle.id, item } } as Notification);
      recovered = true;
    }
    if (turn.status !== 'inProgress' && !handle.done) {
      this.#parts.feed({ method: 'turn/completed', params: { threadId: handle.threadId, turn } } as Notification);
      recovered = true;
    }
    return recovered;
  }
}

function detailsOf(error: TransportClosedError): { exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: string } {
  return { exitCode: error.exitCode, signal: error.signal, stderrTail: error.stderrTail };
}

/** An item the server stored while it still ran carries no final state: it is not delivered as completed. */
function isInProgress(item: ThreadItem): boolean {
  return (item as { status?: unknown }).status === 'inProgress';
}
