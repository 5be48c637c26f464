import { AbortError, brand, CodexError, InvalidRequestError, TransportClosedError, TurnTimeoutError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { TurnError, TurnSteerResponse } from '../generated/protocol.js';
import { HandleCore } from './handle-core.js';
import { DeltaTextIterator } from './text-stream.js';
import { checkObject, checkString } from './validate.js';
import type { SteerInput, TurnInput } from './inputs.js';
import { initialTurnState, reduceTurn, toTurnResult, turnIdOf, type TurnResult, type TurnState } from './reducer.js';

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
  /** The SDK stopped waiting for a turn the server did not stop: release what waits on it. */
  abandoned?(threadId: string, turnId: string): void;
}

/** Bounds of a turn's life; see `TurnOptions`. */
export interface TurnLimits {
  /** The deadline of the whole turn, as a `performance.now()` time, and the `timeoutMs` it came from. */
  readonly deadline?: { readonly at: number; readonly timeoutMs: number } | undefined;
  /** Nothing but retry errors for this long ends the turn (`TurnTimeoutError`, reason `stalled`). */
  readonly stallTimeoutMs?: number | undefined;
  /** How long an interrupt the SDK sent (abort, deadline) may take before it stops waiting. */
  readonly interruptGraceMs: number;
}

/**
 * One running turn. Iterate it (`for await (const n of turn)`) for its notifications, in order,
 * ending right after `turn/completed`; or call `run()` for the folded result. Any number of
 * consumers may read at once; `break` releases one consumer and never stops the turn.
 */
export class TurnHandle implements AsyncIterable<Notification> {
  readonly id: string;
  readonly threadId: string;

  /** The stream, the end, the outcome and the timers (shared with GoalHandle). */
  readonly #core: HandleCore<TurnResult>;
  readonly #control: TurnControl;
  readonly #parseOutput: boolean;
  #state: TurnState;
  /** Settles at `turn/started`. */
  readonly #started: Promise<void>;
  #settleStarted!: () => void;
  /** The server never confirmed the stop within the grace period: the SDK stopped waiting. */
  #abandoned = false;
  #limits: TurnLimits = { interruptGraceMs: 10_000 };
  #stallTimer: NodeJS.Timeout | undefined;
  /** Retry errors seen since the last real progress: the stall clock runs. */
  #retrying = false;
  /** Server requests of this turn waiting for a handler: the stall clock is paused. */
  #holds = 0;

  /** @internal Created by `Thread.turn()` and by a thread's tracker. */
  constructor(threadId: string, turnId: string, control: TurnControl, parseOutput: boolean) {
    this.threadId = threadId;
    this.id = turnId;
    this.#control = control;
    this.#parseOutput = parseOutput;
    this.#state = initialTurnState(threadId, turnId);
    this.#core = new HandleCore(`Turn ${turnId}`);
    this.#started = new Promise((resolve) => {
      this.#settleStarted = resolve;
    });
  }

  /** The turn folded so far (`reduceTurn` over every notification of this turn). */
  get state(): TurnState {
    return this.#state;
  }

  /**
   * True once `turn/completed` arrived, the connection ended, or the SDK stopped waiting for a
   * turn the server would not stop (see `interruptGraceMs`).
   */
  get done(): boolean {
    return this.#state.completed || this.#core.closedError !== undefined || this.#abandoned;
  }

  /** Resolves when the turn has ended, however it ended. Never rejects. */
  whenDone(): Promise<void> {
    return this.#core.done;
  }

  /** This turn's notifications, in order; ends right after `turn/completed`. */
  stream(): AsyncIterable<Notification> {
    return this.#core.stream();
  }

  [Symbol.asyncIterator](): AsyncIterator<Notification> {
    return this.#core.subscribe();
  }

  /**
   * The agent's text as it streams (`item/agentMessage/delta`), for progress UIs. When a new
   * agent message starts after another (commentary, then the answer), `separator` (default a
   * blank line) comes before its first delta, so messages do not run together.
   */
  text(options: { readonly separator?: string | undefined } = {}): AsyncIterable<string> {
    checkObject(options, 'options');
    const separator = options.separator ?? '\n\n';
    checkString(separator, 'separator', true);
    return { [Symbol.asyncIterator]: () => new DeltaTextIterator(this.#core.subscribe(), separator) };
  }

  /**
   * Waits for the turn to end and returns its result. Rejects with `TurnFailedError` if it failed,
   * `AbortError` if its signal fired, `TurnTimeoutError` past its deadline or when it stalled
   * (once the turn has stopped, or after `interruptGraceMs` if the server does not stop it), and
   * `TransportClosedError` if the server went away. Iterate before or alongside `run()`, not
   * after: it consumes the stream.
   */
  run<Parsed = unknown>(): Promise<TurnResult<Parsed>> {
    // `parsed` is JSON.parse of the final answer: its type is the caller's claim, as with fetch's json().
    return this.#core.outcome(() => this.#result()) as Promise<TurnResult<Parsed>>;
  }

  /**
   * Asks the server to stop the turn; the stream then ends with `status: 'interrupted'`. Does
   * not need the turn's `turn/started`: the server's id for the turn is enough.
   */
  async interrupt(): Promise<void> {
    if (this.done) return;
    try {
      await this.#control.interrupt(this.threadId, this.id);
    } catch (error) {
      // The turn may have finished while the request was in flight: then there is nothing to do.
      if (this.done) return;
      // Sent between the answer to turn/start and the turn's start (slow on a loaded machine),
      // the server knows no active turn yet: try again once it has started, or every second.
      if (!(error instanceof InvalidRequestError) || this.#state.turn !== undefined) throw error;
      for (let attempt = 0; ; attempt++) {
        await Promise.race([this.#started, this.#core.done, delay(1_000)]);
        if (this.done) return;
        try {
          await this.#control.interrupt(this.threadId, this.id);
          return;
        } catch (again) {
          if (this.done) return;
          if (!(again instanceof InvalidRequestError) || this.#state.turn !== undefined || attempt >= 30) throw again;
        }
      }
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
    this.#core.events.push(notification);
    this.#progress(notification);
    // Hot path: most notifications (deltas) leave the state as it was, and then there is
    // nothing more to check. When it does change, it may have started or completed the turn.
    if (state === before) return;
    if (state.turn !== undefined) this.#settleStarted();
    if (state.completed) this.#finish();
  }

  /** @internal The connection ended before the turn did. */
  fail(error: TransportClosedError): void {
    if (this.done) return;
    this.#core.close(error);
    this.#core.settle();
  }

  /**
   * @internal The caller's signal fired: consumers get what arrived so far, then `AbortError`
   * once the turn has actually stopped, so the thread is idle when they resume.
   */
  abort(reason: unknown): void {
    this.#stop(new AbortError(`Turn ${this.id}`, reason));
  }

  /** @internal Arms the turn's deadline and stall detector (from `Thread.turn()`). */
  limit(limits: TurnLimits): void {
    this.#limits = limits;
    if (this.done) return;
    const { deadline } = limits;
    if (deadline !== undefined && Number.isFinite(deadline.at)) {
      const expire = (): void => this.#stop(new TurnTimeoutError('deadline', deadline.timeoutMs, undefined, this.id));
      const left = deadline.at - performance.now();
      if (left <= 0) expire();
      else this.#core.timer(expire, left);
    }
    // Retry errors may have come before the limits did (buffered while turn/start was in flight).
    if (this.#retrying) this.#armStall();
  }

  /**
   * @internal A server request of this turn waits for its handler: time spent there is not a
   * stall. Returns the function that ends the hold.
   */
  hold(): () => void {
    this.#holds++;
    clearTimeout(this.#stallTimer);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#retrying) this.#armStall();
    };
  }

  /**
   * Stops the turn for `error`: interrupts it, and settles consumers with `error` once the
   * server confirms (`turn/completed`) or, if it does not within `interruptGraceMs`, without it.
   * The thread's tracker then still counts the turn as running until the server says otherwise.
   */
  #stop(error: CodexError): void {
    if (this.done) return;
    const abandonIfRunning = (): void => {
      if (!this.done) this.#abandon();
    };
    if (!this.#core.stop(error, this.#limits.interruptGraceMs, () => this.#state, abandonIfRunning)) return;
    this.interrupt().catch(() => undefined);
  }

  #abandon(): void {
    this.#abandoned = true;
    this.#core.settle();
    this.#control.abandoned?.(this.threadId, this.id);
  }

  /** Stall detection: retry errors start the clock, anything else of the turn stops it. */
  #progress(notification: Notification): void {
    if (notification.method === 'error' && notification.params.willRetry && turnIdOf(notification) === this.id) {
      if (!this.#retrying) {
        this.#retrying = true;
        this.#armStall();
      }
      return;
    }
    if (!this.#retrying) return;
    this.#retrying = false;
    clearTimeout(this.#stallTimer);
  }

  #armStall(): void {
    const ms = this.#limits.stallTimeoutMs;
    if (ms === undefined || !Number.isFinite(ms) || this.#holds > 0 || this.done) return;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = this.#core.timer(() => this.#stop(new TurnTimeoutError('stalled', ms, undefined, this.id)), ms);
  }

  #finish(): void {
    this.#core.events.end();
    this.#core.settle();
  }

  /** The result `run()` gives once the turn ended on its own (not stopped by the SDK, connection up). */
  #result(): TurnResult {
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

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
