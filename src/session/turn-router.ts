import type { TransportClosedError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { ServerRequestHandlers } from './server-requests.js';
import { turnIdOf } from './reducer.js';
import type { TurnHandle } from './turn.js';

/** Notifications of one thread that arrived while its `turn/start` was in flight. */
export interface PendingStart {
  readonly threadId: string;
  readonly buffered: Notification[];
}

/**
 * Sends each turn-scoped notification to the handle of its turn. While a `turn/start` is in
 * flight, that thread's notifications for not-yet-known turns are buffered: the server answers
 * `turn/start` before `turn/started`, and events can arrive before the handle exists.
 */
export class TurnRouter {
  readonly #turns = new Map<string, { handle: TurnHandle; handlers: ServerRequestHandlers | undefined }>();
  readonly #pending = new Set<PendingStart>();
  /** The running turn of each thread started through this client, for serializing turns. */
  readonly #running = new Map<string, TurnHandle>();
  readonly #threadHandlers = new Map<string, ServerRequestHandlers>();
  /** The last turn queued on each thread, by any `Thread` object: `turn()` calls line up here. */
  readonly #queues = new Map<string, Promise<void>>();

  route(notification: Notification): void {
    const turnId = turnIdOf(notification);
    if (turnId === undefined) return;
    const entry = this.#turns.get(turnId);
    if (entry !== undefined) {
      entry.handle.deliver(notification);
      if (entry.handle.done) this.#forget(entry.handle);
      return;
    }
    if (this.#pending.size === 0) return;
    const threadId = (notification.params as { threadId?: unknown }).threadId;
    for (const pending of this.#pending) {
      if (pending.threadId === threadId) pending.buffered.push(notification);
    }
  }

  /**
   * Takes a place in the thread's line of `turn()` calls. `previous` settles when the call ahead
   * may go on; call `release` once this call's turn is done (or was never started). Shared by
   * every `Thread` object of the thread, so two objects for one thread id cannot both start.
   */
  lineUp(threadId: string): { previous: Promise<void>; release: () => void } {
    const previous = this.#queues.get(threadId) ?? Promise.resolve();
    let settle!: () => void;
    const mine = new Promise<void>((resolve) => (settle = resolve));
    this.#queues.set(threadId, mine);
    const release = (): void => {
      settle();
      if (this.#queues.get(threadId) === mine) this.#queues.delete(threadId);
    };
    return { previous, release };
  }

  /** Call right before writing `turn/start`. */
  beginStart(threadId: string): PendingStart {
    const pending: PendingStart = { threadId, buffered: [] };
    this.#pending.add(pending);
    return pending;
  }

  /** `turn/start` failed: drop its buffer. */
  abandonStart(pending: PendingStart): void {
    this.#pending.delete(pending);
  }

  /** `turn/start` answered: hand the buffered events of `handle`'s turn to it, then route live. */
  completeStart(pending: PendingStart, handle: TurnHandle, handlers: ServerRequestHandlers | undefined): void {
    this.#pending.delete(pending);
    for (const notification of pending.buffered) {
      if (turnIdOf(notification) === handle.id) handle.deliver(notification);
    }
    if (handle.done) return;
    this.#turns.set(handle.id, { handle, handlers });
    this.#running.set(handle.threadId, handle);
  }

  /** The thread's running turn, if this client started one. */
  activeTurn(threadId: string): TurnHandle | undefined {
    return this.#running.get(threadId);
  }

  handlersForTurn(turnId: string): ServerRequestHandlers | undefined {
    return this.#turns.get(turnId)?.handlers;
  }

  handlersForThread(threadId: string): ServerRequestHandlers | undefined {
    return this.#threadHandlers.get(threadId);
  }

  setThreadHandlers(threadId: string, handlers: ServerRequestHandlers | undefined): void {
    if (handlers === undefined) this.#threadHandlers.delete(threadId);
    else this.#threadHandlers.set(threadId, handlers);
  }

  /** The connection ended: every running turn fails with `error`. */
  failAll(error: TransportClosedError): void {
    for (const { handle } of this.#turns.values()) handle.fail(error);
    this.#turns.clear();
    this.#running.clear();
    this.#pending.clear();
  }

  /** A finished turn is no longer routed to; nothing here keeps it alive. */
  #forget(handle: TurnHandle): void {
    this.#turns.delete(handle.id);
    if (this.#running.get(handle.threadId) === handle) this.#running.delete(handle.threadId);
  }
}
