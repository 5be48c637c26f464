import { StreamConsumedError, TurnTimeoutError, type CodexError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import { Broadcast, type BroadcastReader } from './broadcast.js';
import { toTurnResult, type TurnResult, type TurnState } from './reducer.js';

/**
 * What `TurnHandle` and `GoalHandle` share: the notification stream their consumers read, the
 * promise that settles when the handle is done, the outcome `run()` waits for (the SDK's stop
 * error, else the connection's, else the folded result), the stop-then-grace sequence, and the
 * timers that end with the handle. Each handle keeps its own public methods and docs and
 * delegates here.
 */
export class HandleCore<Result> {
  /** Iterating after the events were released (after `run()`) fails with StreamConsumedError. */
  readonly events: Broadcast<Notification>;
  /** Settles when the handle is done, however it ended. Never rejects. */
  readonly done: Promise<void>;
  #settle!: () => void;
  /** Why the SDK stopped the handle (the caller's abort, the deadline, a stall): what `run()` throws first. */
  stopError: CodexError | undefined;
  /** The connection ended before the handle did: what `run()` throws otherwise. */
  closedError: Error | undefined;
  #result: Promise<Result> | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  /** `label` names the handle in `StreamConsumedError` (`Turn t1`). */
  constructor(label: string) {
    this.events = new Broadcast<Notification>({ missed: (count) => new StreamConsumedError(label, count) });
    this.done = new Promise((resolve) => (this.#settle = resolve));
  }

  /** A new consumer of the notifications. */
  subscribe(): BroadcastReader<Notification> {
    return this.events.subscribe();
  }

  /** An iterable whose every iteration is a new consumer. */
  stream(): AsyncIterable<Notification> {
    return { [Symbol.asyncIterator]: () => this.events.subscribe() };
  }

  /** The handle is done: its timers stop and `done` settles. */
  settle(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#settle();
  }

  /** The connection ended: consumers end with the stop error if the SDK was stopping, else with `error`. */
  close(error: Error): void {
    this.closedError = error;
    this.events.end(this.stopError ?? error);
  }

  /**
   * `run()`: the first call releases the stream's history to the consumers reading it and waits
   * for the end; it throws the stop error, else the connection's, else returns `result()`.
   */
  outcome(result: () => Result): Promise<Result> {
    if (this.#result === undefined) {
      this.events.anchor();
      this.#result = this.done.then(() => {
        if (this.stopError !== undefined) throw this.stopError;
        if (this.closedError !== undefined) throw this.closedError;
        return result();
      });
    }
    return this.#result;
  }

  /**
   * Stops for `error` (the caller then interrupts the server's turn): consumers get what arrived
   * so far, then `error` once the handle is done or `graceMs` passed without the server confirming,
   * whichever is first; `afterwards` runs just before. A `TurnTimeoutError` then carries the
   * result of `lastTurn()`. False when already stopping.
   */
  stop(error: CodexError, graceMs: number, lastTurn: () => TurnState | undefined, afterwards: () => void): boolean {
    if (this.stopError !== undefined) return false;
    this.stopError = error;
    const grace = new Promise<void>((resolve) => this.timer(resolve, graceMs));
    const stopped = Promise.race([this.done, grace]).then(() => {
      const turn = lastTurn();
      if (error instanceof TurnTimeoutError && turn !== undefined) (error as { turn: TurnResult | undefined }).turn = toTurnResult(turn);
      afterwards();
    });
    this.events.end(error, stopped);
    return true;
  }

  /** Runs `run` after `ms` unless the handle is done first. */
  timer(run: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }
}
