import type { Notification } from '../generated/methods.js';
import type { BroadcastReader } from './broadcast.js';

/**
 * A turn's notifications mapped to the text of its agent-message deltas (`turn.text()`).
 *
 * `next()` calls are served in call order even when the caller does not await each one (as some
 * stream adapters do): a call starts reading only after the one before it has its value.
 */
export class DeltaTextIterator implements AsyncIterableIterator<string, undefined> {
  readonly #reader: BroadcastReader<Notification>;
  readonly #separator: string;
  /** The message the last delta belonged to. */
  #itemId: string | undefined;
  /** The latest `next()` still pending; later calls wait for it. */
  #last: Promise<IteratorResult<string, undefined>> | undefined;

  constructor(reader: BroadcastReader<Notification>, separator: string) {
    this.#reader = reader;
    this.#separator = separator;
  }

  next(): Promise<IteratorResult<string, undefined>> {
    const pull = (): Promise<IteratorResult<string, undefined>> => this.#pull();
    const result = this.#last === undefined ? pull() : this.#last.then(pull, pull);
    this.#last = result;
    const clear = (): void => {
      if (this.#last === result) this.#last = undefined;
    };
    result.then(clear, clear);
    return result;
  }

  return(): Promise<IteratorResult<string, undefined>> {
    this.#reader.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #pull(): Promise<IteratorResult<string, undefined>> {
    // Skip buffered non-delta events without awaiting each one.
    for (let n = this.#reader.poll(); n !== undefined; n = this.#reader.poll()) {
      if (n.method === 'item/agentMessage/delta') return Promise.resolve({ value: this.#text(n.params), done: false });
    }
    return this.#reader.next().then((result) => {
      if (result.done) return result;
      const n = result.value;
      return n.method === 'item/agentMessage/delta' ? { value: this.#text(n.params), done: false } : this.#pull();
    });
  }

  #text(delta: { readonly itemId: string; readonly delta: string }): string {
    if (delta.itemId === this.#itemId) return delta.delta;
    const first = this.#itemId === undefined;
    this.#itemId = delta.itemId;
    return first ? delta.delta : this.#separator + delta.delta;
  }
}
