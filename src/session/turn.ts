import { AbortError, brand, CodexError, StreamConsumedError, TransportClosedError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { TurnError, TurnSteerResponse } from '../generated/protocol.js';
import { Broadcast } from './broadcast.js';
import { DeltaTextIterator } from './text-stream.js';
import { checkObject, checkString } from './validate.js';
import type { SteerInput, TurnInput } from './inputs.js';
import { initialTurnState, reduceTurn, toTurnResult, type TurnResult, type TurnState } from './reducer.js';

/** The turn ended with `status: 'failed'`. `turn` is the result so far; `error` the server's error. */
export class TurnFailedError extends CodexError {
  static {
    brand(this, 'TurnFailedError');
  }

  constructor(
    readonly turn: TurnResult,
    readonly error: TurnError | null,
  ) {
    super(`Turn ${turn.id} failed: ${error?.message ?? 'no error message'}`);
  }
}

/** With `outputSchema`, the final answer was not valid JSON. `text` is what the model said. */
export class StructuredOutputError extends CodexError {
  static {
    brand(this, 'StructuredOutputError');
  }

  constructor(
    readonly turn: TurnResult,
    readonly text: string | null,
    cause: unknown,
  ) {
    super(
      text === null
        ? `Turn ${turn.id} ended without a final message to parse as JSON`
        : `Turn ${turn.id}: the final message is not valid JSON: ${text.slice(0, 200)}`,
      { cause },
    );
  }
}

/** What a turn needs from its client: sending requests about itself. */
export interface TurnControl {
  interrupt(threadId: string, turnId: string): Promise<void>;
  steer(threadId: string, turnId: string, input: TurnInput): Promise<TurnSteerResponse>;
}

/**
 * One running turn. Iterate it (`for await (const n of turn)`) for its notifications, in order,
 * ending right after `turn/completed`; or call `run()` for the folded result. Any number of
 * consumers may read at once; `break` releases one consumer and never stops the turn.
 */
export class TurnHandle implements AsyncIterable<Notification> {
  readonly id: string;
  readonly threadId: string;

  /** Iterating after the events were released (e.g. after `run()`) fails with StreamConsumedError. */
  readonly #events = new Broadcast<Notification>({ missed: (count) => new StreamConsumedError(`Turn ${this.id}`, count) });
  readonly #control: TurnControl;
  readonly #parseOutput: boolean;
  #state: TurnState;
  readonly #done: Promise<void>;
  #settleDone!: () => void;
  /** Settles at `turn/started`: the server refuses to interrupt a turn before it has started. */
  readonly #started: Promise<void>;
  #settleStarted!: () => void;
  #closedError: TransportClosedError | undefined;
  #abort: AbortError | undefined;
  #result: Promise<TurnResult> | undefined;

  /** @internal Created by `Thread.turn()`. */
  constructor(threadId: string, turnId: string, control: TurnControl, parseOutput: boolean) {
    this.threadId = threadId;
    this.id = turnId;
    this.#control = control;
    this.#parseOutput = parseOutput;
    this.#state = initialTurnState(threadId, turnId);
    this.#done = new Promise((resolve) => {
      this.#settleDone = resolve;
    });
    this.#started = new Promise((resolve) => {
      this.#settleStarted = resolve;
    });
  }

  /** The turn folded so far (`reduceTurn` over every notification of this turn). */
  get state(): TurnState {
    return this.#state;
  }

  /** True once `turn/completed` arrived or the connection ended. */
  get done(): boolean {
    return this.#state.completed || this.#closedError !== undefined;
  }

  /** Resolves when the turn has ended, however it ended. Never rejects. */
  whenDone(): Promise<void> {
    return this.#done;
  }

  /** This turn's notifications, in order; ends right after `turn/completed`. */
  stream(): AsyncIterable<Notification> {
    return { [Symbol.asyncIterator]: () => this.#events.subscribe() };
  }

  [Symbol.asyncIterator](): AsyncIterator<Notification> {
    return this.#events.subscribe();
  }

  /**
   * The agent's text as it streams (`item/agentMessage/delta`), for progress UIs. When a new
   * agent message starts after another (commentary, then the answer), `separator` (default a
   * blank line) comes before its first delta, so messages do not run together.
   */
  text(options: { readonly separator?: string } = {}): AsyncIterable<string> {
    checkObject(options, 'options');
    const separator = options.separator ?? '\n\n';
    checkString(separator, 'separator', true);
    return { [Symbol.asyncIterator]: () => new DeltaTextIterator(this.#events.subscribe(), separator) };
  }

  /**
   * Waits for the turn to end and returns its result. Rejects with `TurnFailedError` if it failed,
   * `AbortError` if its signal fired (once the turn has stopped), `TransportClosedError` if the
   * server went away. Iterate before or alongside `run()`, not after: it consumes the stream.
   */
  run<Parsed = unknown>(): Promise<TurnResult<Parsed>> {
    if (this.#result === undefined) {
      this.#events.anchor();
      this.#result = this.#done.then(() => this.#outcome());
    }
    // `parsed` is JSON.parse of the final answer: its type is the caller's claim, as with fetch's json().
    return this.#result as Promise<TurnResult<Parsed>>;
  }

  /**
   * Asks the server to stop the turn; the stream then ends with `status: 'interrupted'`.
   * Called before the server has started the turn, it waits for `turn/started` first.
   */
  async interrupt(): Promise<void> {
    await Promise.race([this.#started, this.#done]);
    if (this.done) return;
    try {
      await this.#control.interrupt(this.threadId, this.id);
    } catch (error) {
      // The turn may have finished while the request was in flight: then there is nothing to do.
      if (!this.done) throw error;
    }
  }

  /** Adds input to this turn while it runs (`turn/steer` with `expectedTurnId`). An `externalMessage` is refused. */
  async steer(input: SteerInput): Promise<TurnSteerResponse> {
    return this.#control.steer(this.threadId, this.id, input);
  }

  /** @internal One notification of this turn, in arrival order. */
  deliver(notification: Notification): void {
    const before = this.#state;
    const state = reduceTurn(before, notification);
    this.#state = state;
    this.#events.push(notification);
    // Hot path: most notifications (deltas) leave the state as it was, and then there is
    // nothing more to check. When it does change, it may have started or completed the turn.
    if (state === before) return;
    if (state.turn !== undefined) this.#settleStarted();
    if (state.completed) this.#finish();
  }

  /** @internal The connection ended before the turn did. */
  fail(error: TransportClosedError): void {
    if (this.done) return;
    this.#closedError = error;
    this.#events.end(error);
    this.#settleDone();
  }

  /**
   * @internal The caller's signal fired: consumers get what arrived so far, then `AbortError`
   * once the turn has actually stopped, so the thread is idle when they resume.
   */
  abort(reason: unknown): void {
    if (this.done || this.#abort !== undefined) return;
    this.#abort = new AbortError(`Turn ${this.id}`, reason);
    this.#events.end(this.#abort, this.#done);
    this.interrupt().catch(() => undefined);
  }

  #finish(): void {
    this.#events.end();
    this.#settleDone();
  }

  #outcome(): TurnResult {
    if (this.#abort !== undefined) throw this.#abort;
    if (this.#closedError !== undefined) throw this.#closedError;
    const result = toTurnResult(this.#state);
    if (result.status === 'failed') throw new TurnFailedError(result, result.error ?? null);
    if (!this.#parseOutput) return result;
    if (result.finalResponse === null) throw new StructuredOutputError(result, null, undefined);
    try {
      return { ...result, parsed: JSON.parse(result.finalResponse) as unknown };
    } catch (error) {
      throw new StructuredOutputError(result, result.finalResponse, error);
    }
  }
}
