import type { TransportClosedError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { ServerRequestHandlers } from './server-requests.js';
import { turnIdOf } from './reducer.js';
import type { TurnHandle } from './turn.js';

/** Notifications of one thread that arrived while its `turn/start` was in flight. */
export interface PendingStart {
  readonly threadId: string;
  readonly buffered: Notification[];
  /** The starting turn's own server-request handlers: requests can come before its id is known. */
  readonly handlers: ServerRequestHandlers | undefined;
}

interface RouteEntry {
  handle: TurnHandle;
  handlers: ServerRequestHandlers | undefined;
  /** A second handle fed the same events (a turn folded into one handed out as started elsewhere). */
  also?: TurnHandle | undefined;
}

/**
 * Sends each turn-scoped notification to the handle of its turn. While a `turn/start` is in
 * flight, that thread's notifications for not-yet-known turns are buffered: the server answers
 * `turn/start` before `turn/started`, and events can arrive before the handle exists.
 * Whether a thread is busy, and the line of `turn()` calls, is the thread tracker's job.
 */
export class TurnRouter {
  readonly #turns = new Map<string, RouteEntry>();
  readonly #pending = new Set<PendingStart>();
  readonly #threadHandlers = new Map<string, ServerRequestHandlers>();

  route(notification: Notification): void {
    const turnId = turnIdOf(notification);
    if (turnId === undefined) return;
    const entry = this.#turns.get(turnId) ?? this.#reviewOf(notification);
    if (entry !== undefined) {
      entry.handle.deliver(notification);
      entry.also?.deliver(notification);
      if (entry.handle.done && (entry.also?.done ?? true)) this.#forget(entry.handle);
      return;
    }
    if (this.#pending.size === 0) return;
    const threadId = (notification.params as { threadId?: unknown }).threadId;
    for (const pending of this.#pending) {
      if (pending.threadId === threadId) pending.buffered.push(notification);
    }
  }

  /** Call right before writing `turn/start`. */
  beginStart(threadId: string, handlers: ServerRequestHandlers | undefined): PendingStart {
    const pending: PendingStart = { threadId, buffered: [], handlers };
    this.#pending.add(pending);
    return pending;
  }

  /** `turn/start` failed: drop its buffer. */
  abandonStart(pending: PendingStart): void {
    this.#pending.delete(pending);
  }

  /** `turn/start` answered: hand the buffered events of `handle`'s turn to it, then route live. */
  completeStart(pending: PendingStart, handle: TurnHandle): void {
    this.#pending.delete(pending);
    for (const notification of pending.buffered) {
      if (turnIdOf(notification) === handle.id) handle.deliver(notification);
    }
    if (handle.done) return;
    // The server folded this input into a turn already handed out as started elsewhere: both
    // handles follow it.
    const adopted = this.#turns.get(handle.id)?.handle;
    this.#turns.set(handle.id, { handle, handlers: pending.handlers, also: adopted });
  }

  /** Routes a turn this client did not start (its tracker saw it start) to `handle`. */
  adopt(handle: TurnHandle): void {
    if (!this.#turns.has(handle.id)) this.#turns.set(handle.id, { handle, handlers: undefined });
  }

  /** True when notifications of this turn already go to a handle. */
  isRouted(turnId: string): boolean {
    return this.#turns.has(turnId);
  }

  /** The handle of a turn still routed. */
  handle(turnId: string): TurnHandle | undefined {
    return this.#turns.get(turnId)?.handle;
  }

  /**
   * The handlers of the turn a server request names. A request can arrive before `turn/start`
   * has answered (the id is not known yet): then it belongs to the turn starting on its thread.
   */
  handlersForTurn(turnId: string, threadId: string | undefined): ServerRequestHandlers | undefined {
    const entry = this.#turns.get(turnId);
    if (entry !== undefined) return entry.handlers;
    if (threadId === undefined) return undefined;
    for (const pending of this.#pending) if (pending.threadId === threadId) return pending.handlers;
    return undefined;
  }

  handlersForThread(threadId: string): ServerRequestHandlers | undefined {
    return this.#threadHandlers.get(threadId);
  }

  setThreadHandlers(threadId: string, handlers: ServerRequestHandlers | undefined): void {
    if (handlers === undefined) this.#threadHandlers.delete(threadId);
    else this.#threadHandlers.set(threadId, handlers);
  }

  /** Every handle of a turn still running (for recovery after a reconnect). */
  running(): TurnHandle[] {
    const handles: TurnHandle[] = [];
    for (const { handle, also } of this.#turns.values()) {
      if (!handle.done) handles.push(handle);
      if (also !== undefined && !also.done) handles.push(also);
    }
    return handles;
  }

  /** The connection ended: every running turn fails with `error`; nothing is kept. */
  failAll(error: TransportClosedError): void {
    for (const { handle } of this.#turns.values()) handle.fail(error);
    this.#turns.clear();
    this.#pending.clear();
    this.#threadHandlers.clear();
  }

  /**
   * A review's `turn/started` carries a second id and names the review's (the `review/start`
   * answer's, which its items and `turn/completed` use) as `rootTurnId`: it goes to that handle.
   */
  #reviewOf(notification: Notification): RouteEntry | undefined {
    if (notification.method !== 'turn/started') return undefined;
    const root = notification.params.turn.rootTurnId;
    const entry = typeof root === 'string' ? this.#turns.get(root) : undefined;
    // Only once, and on its own thread: a sub-agent's turns name their parent's turn as root too.
    if (entry === undefined || entry.handle.threadId !== notification.params.threadId || entry.handle.state.turn !== undefined) return undefined;
    return entry;
  }

  /** A finished turn is no longer routed to; nothing here keeps it alive. */
  #forget(handle: TurnHandle): void {
    this.#turns.delete(handle.id);
  }
}
