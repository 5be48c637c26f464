/**
 * A one-producer, many-consumer event buffer: the stream behind every turn and every
 * `notifications()` subscription.
 *
 * Events sit in a singly linked list. The buffer keeps only its tail; each reader keeps its
 * own position. An event is therefore garbage once every attached reader has passed it, so
 * memory is bounded by the slowest reader, not by the length of the stream. Until the first
 * reader attaches, the buffer holds everything from the start, so nothing that arrives before
 * the caller starts iterating is lost.
 *
 * A stream whose readers must see it whole (a turn) passes `missed`: a reader that would start
 * after events already released fails with that error instead of silently skipping them.
 */

interface Slot<T> {
  value: T | undefined;
  /** Undefined until the slot is filled: the tail is always an empty slot. */
  next: Slot<T> | undefined;
  readonly seq: number;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** Where a detached reader points: holds nothing, so it pins no event. */
const RELEASED: Slot<never> = Object.freeze({ value: undefined, next: undefined, seq: -1 });

export interface BroadcastOptions {
  /** The error for a reader that would miss `count` released events; without it, such a reader starts where it can. */
  readonly missed?: ((count: number) => Error) | undefined;
}

export class Broadcast<T> {
  #tail: Slot<T> = { value: undefined, next: undefined, seq: 0 };
  /** The first unread slot, held while no reader is attached. */
  #retained: Slot<T> | undefined;
  /**
   * The first reader's start, kept until the synchronous block it attached in ends: readers that
   * attach alongside it (`drain(turn); drain(turn.text()); turn.run()`) start there too, even
   * though the first one may already have taken buffered events.
   */
  #pinned: Slot<T> | undefined;
  readonly #readers = new Set<BroadcastReader<T>>();
  readonly #waiting = new Set<BroadcastReader<T>>();
  /** No more pushes are accepted. */
  #closedForPush = false;
  /** Readers that reach the end now finish (possibly later than #closedForPush, see `end`). */
  #ended = false;
  #error: unknown;
  #failed = false;

  readonly #missed: ((count: number) => Error) | undefined;

  constructor(options: BroadcastOptions = {}) {
    this.#retained = this.#tail;
    this.#missed = options.missed;
  }

  /** True once `end` was called: later pushes are ignored. */
  get ended(): boolean {
    return this.#closedForPush;
  }

  push(value: T): void {
    if (this.#closedForPush) return;
    const slot = this.#tail;
    slot.value = value;
    this.#tail = slot.next = { value: undefined, next: undefined, seq: slot.seq + 1 };
    if (this.#waiting.size > 0) {
      for (const reader of this.#waiting) reader.wake();
    }
  }

  /**
   * No more events: readers finish what is buffered, then end, or throw `error`. With `after`,
   * readers that reach the end wait for it to settle before they end or throw.
   */
  end(error?: unknown, after?: Promise<unknown>): void {
    if (this.#closedForPush) return;
    this.#closedForPush = true;
    if (after === undefined) this.#settle(error);
    else {
      const settle = (): void => this.#settle(error);
      after.then(settle, settle);
    }
  }

  #settle(error: unknown): void {
    this.#ended = true;
    if (error !== undefined) {
      this.#failed = true;
      this.#error = error;
    }
    for (const reader of [...this.#waiting]) reader.wake();
  }

  /**
   * Keeps the current start position for readers that attach during this synchronous block,
   * then stops holding anything. A consumer that reads nothing itself (`run()`) calls this so
   * the buffer does not keep every event for a reader that may never come.
   */
  anchor(): void {
    const holder = this.subscribe();
    queueMicrotask(() => holder.close());
  }

  /**
   * Attaches a reader. It starts at the oldest event still held: everything, if no reader has
   * attached yet; else the position of the slowest attached reader; else the live end.
   */
  subscribe(onDetach?: () => void): BroadcastReader<T> {
    let start = this.#retained;
    this.#retained = undefined;
    if (start !== undefined) {
      this.#pinned = start;
      queueMicrotask(() => (this.#pinned = undefined));
    } else {
      start = this.#pinned ?? this.#tail;
      for (const reader of this.#readers) if (reader.slot.seq < start.seq) start = reader.slot;
    }
    const reader = new BroadcastReader(this, start, onDetach);
    this.#readers.add(reader);
    // Events before `start` are gone (released once every reader had passed them).
    if (this.#missed !== undefined && start.seq > 0) reader.fail(this.#missed(start.seq));
    return reader;
  }

  /** @internal */
  outcome(): IteratorReturnResult<undefined> | { error: unknown } | undefined {
    if (!this.#ended) return undefined;
    return this.#failed ? { error: this.#error } : DONE;
  }

  /** @internal */
  setWaiting(reader: BroadcastReader<T>, waiting: boolean): void {
    if (waiting) this.#waiting.add(reader);
    else this.#waiting.delete(reader);
  }

  /** @internal */
  detach(reader: BroadcastReader<T>): void {
    this.#readers.delete(reader);
    this.#waiting.delete(reader);
  }

  /** How many readers are attached. */
  get readerCount(): number {
    return this.#readers.size;
  }
}

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

/**
 * An async iterator that is its own iterable and ends with `undefined`. Spelled out rather than
 * `AsyncIterableIterator<T, undefined>`, which TypeScript before 5.6 reads with one type
 * argument only: the published types must work with older compilers too.
 */
export interface AsyncStream<T> extends AsyncIterator<T, undefined> {
  [Symbol.asyncIterator](): AsyncStream<T>;
}

/** One consumer's position in a `Broadcast`. `return()` (a `break` in `for await`) detaches it. */
export class BroadcastReader<T> implements AsyncStream<T> {
  /** @internal */
  slot: Slot<T>;
  readonly #source: Broadcast<T>;
  readonly #onDetach: (() => void) | undefined;
  readonly #waiters: Waiter<T>[] = [];
  #closed = false;
  #error: { error: unknown } | undefined;

  constructor(source: Broadcast<T>, start: Slot<T>, onDetach: (() => void) | undefined) {
    this.#source = source;
    this.slot = start;
    this.#onDetach = onDetach;
  }

  /** Takes the next buffered event without waiting, or undefined if there is none yet (or `next()` calls are waiting). */
  poll(): T | undefined {
    const slot = this.slot;
    // Waiting next() calls come first: taking an event here would serve them out of order.
    if (this.#closed || slot.next === undefined || this.#waiters.length > 0) return undefined;
    this.slot = slot.next;
    return slot.value;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#error !== undefined) return Promise.reject(this.#error.error);
    if (this.#closed) return Promise.resolve(DONE);
    const slot = this.slot;
    if (slot.next !== undefined && this.#waiters.length === 0) {
      this.slot = slot.next;
      return Promise.resolve({ value: slot.value as T, done: false });
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.wake();
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Detaches and ends any pending `next()` with done. */
  close(): void {
    if (this.#closed) return;
    this.#detach();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(DONE);
  }

  /** Detaches and makes pending and later `next()` calls reject with `error`. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = { error };
    this.#detach();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #detach(): void {
    this.#closed = true;
    // Drop the position: a detached reader the caller still holds must not pin the events after it.
    this.slot = RELEASED;
    this.#source.detach(this);
    this.#onDetach?.();
  }

  /** @internal Serves waiting `next()` calls from the buffer, or with the end. */
  wake(): void {
    while (this.#waiters.length > 0) {
      const slot = this.slot;
      if (slot.next !== undefined) {
        this.slot = slot.next;
        this.#waiters.shift()!.resolve({ value: slot.value as T, done: false });
        continue;
      }
      const outcome = this.#source.outcome();
      if (outcome === undefined) break;
      this.#detach();
      for (const waiter of this.#waiters.splice(0)) {
        if ('error' in outcome) waiter.reject(outcome.error);
        else waiter.resolve(outcome);
      }
      return;
    }
    this.#source.setWaiting(this, this.#waiters.length > 0);
  }
}
