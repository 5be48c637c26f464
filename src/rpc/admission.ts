import { InvalidArgumentError } from '../errors.js';

/**
 * Caps how many requests are outstanding at once. One client's burst must never overflow the
 * server's 128-slot inbound queue: an overflowing server may drop replies entirely.
 * Waiters are served in arrival order; a waiter that gives up (deadline, abort) leaves the line.
 */
export class Admission {
  readonly #limit: number;
  #active = 0;
  readonly #waiting = new Set<() => void>();

  constructor(limit: number) {
    if (!(limit >= 1)) throw new InvalidArgumentError('maxInFlightRequests', `must be at least 1, got ${limit}`);
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  /** Takes a slot now if one is free. */
  tryAcquire(): boolean {
    if (this.#active >= this.#limit || this.#waiting.size > 0) return false;
    this.#active += 1;
    return true;
  }

  /** Queues for a slot. Call the returned `cancel` to leave the line; `grant` runs with the slot taken. */
  enqueue(grant: () => void): () => void {
    const waiter = (): void => {
      this.#active += 1;
      grant();
    };
    this.#waiting.add(waiter);
    return () => {
      this.#waiting.delete(waiter);
    };
  }

  release(): void {
    this.#active -= 1;
    const next = this.#waiting.values().next();
    if (!next.done && this.#active < this.#limit) {
      this.#waiting.delete(next.value);
      next.value();
    }
  }
}
