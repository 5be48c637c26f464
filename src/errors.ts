import type { TurnResult } from './session/reducer.js';

/**
 * The SDK's error tree. Every error the SDK throws is a `CodexError`; each subclass stands for one
 * failure a caller may want to handle differently.
 */

export class CodexError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A public API was called with an argument it cannot use. `argument` names it. */
export class InvalidArgumentError extends CodexError {
  constructor(
    readonly argument: string,
    problem: string,
  ) {
    super(`Invalid ${argument}: ${problem}`);
  }
}

/** The `codex` executable could not be found. `searched` lists every path that was tried. */
export class CodexBinaryNotFoundError extends CodexError {
  constructor(
    message: string,
    readonly searched: readonly string[],
  ) {
    super(message);
  }
}

/** An error response from the app-server. `message` is the server's message, kept whole. */
export class JsonRpcError extends CodexError {
  constructor(
    message: string,
    /** The JSON-RPC error code as received (codex sends -32600 for nearly everything). */
    readonly code: number,
    /** The error's `data` member, if the server sent one. */
    readonly data: unknown,
    /** The method of the request that failed. */
    readonly method: string | undefined,
  ) {
    super(message);
  }
}

export class ParseError extends JsonRpcError {}
/** The request was refused: thread not found, no active turn, not initialized, and the like. */
export class InvalidRequestError extends JsonRpcError {}
/** The server does not know the requested method (older server, or a typo). */
export class MethodNotFoundError extends JsonRpcError {}
/** The params did not deserialize: a missing field, a wrong type or an unknown enum value. */
export class InvalidParamsError extends JsonRpcError {}
export class InternalRpcError extends JsonRpcError {}
/** The server is overloaded; the request may succeed if retried later (see `retryOnOverload`). */
export class ServerBusyError extends JsonRpcError {}
/** The server gave up after exhausting its own retry budget. */
export class RetryLimitExceededError extends ServerBusyError {}

export interface TransportClosedDetails {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines the app-server wrote to stderr, with known secrets redacted. */
  readonly stderrTail: string;
}

/** The app-server exited or its stream ended; nothing more can be sent or received. */
export class TransportClosedError extends CodexError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(reason: string, details: TransportClosedDetails, options?: { cause?: unknown }) {
    const exit =
      details.signal !== null
        ? `killed by ${details.signal}`
        : details.exitCode !== null
          ? `exit code ${details.exitCode}`
          : 'still running';
    const tail = details.stderrTail.trim();
    super(`${reason} (codex app-server ${exit})${tail ? `\nstderr tail:\n${tail}` : ''}`, options);
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail;
  }
}

/** A request got no answer before its deadline. */
export class RequestTimeoutError extends CodexError {
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} got no response within ${timeoutMs} ms`);
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's reason. */
export class AbortError extends CodexError {
  constructor(what: string, reason: unknown) {
    super(`${what} was aborted`, { cause: reason });
  }
}

export type ProtocolErrorKind =
  /** A line on stdout that is not JSON. */
  | 'invalidJson'
  /** A line longer than `maxMessageBytes`; it was skipped. */
  | 'oversizedLine'
  /** JSON that is neither a request, a response nor a notification. */
  | 'invalidMessage'
  /** A response whose id matches no request in flight (late, duplicate or unknown). */
  | 'unexpectedResponse'
  /** A server-request handler threw or missed its deadline; the safe answer was sent instead. */
  | 'handlerFailed';

/**
 * Something the server sent could not be used. Reported through `codex.on('error')`; never fatal
 * to the connection. `lineStart` holds the first characters of the offending line.
 */
export class ProtocolError extends CodexError {
  /** What went wrong, without the line start. */
  readonly #problem: string;

  constructor(
    problem: string,
    readonly kind: ProtocolErrorKind,
    readonly lineStart: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(lineStart === undefined ? problem : `${problem}: ${JSON.stringify(lineStart)}`, options);
    this.#problem = problem;
  }

  /** A copy with `clean` applied to its text, line start and cause's message; itself if nothing changes. */
  redacted(clean: (text: string) => string): ProtocolError {
    const cause = this.cause instanceof Error ? this.cause : undefined;
    const cleanCause = cause === undefined || clean(cause.message) === cause.message ? cause : Object.assign(new Error(clean(cause.message)), { name: cause.name });
    const copy = new ProtocolError(
      clean(this.#problem),
      this.kind,
      this.lineStart === undefined ? undefined : clean(this.lineStart),
      cleanCause === undefined ? (this.cause === undefined ? undefined : { cause: this.cause }) : { cause: cleanCause },
    );
    return copy.message === this.message && cleanCause === cause ? this : copy;
  }
}

/**
 * A turn passed its deadline (`timeoutMs`, `turnTimeoutMs`) or stalled (`stallTimeoutMs`: nothing
 * but retry errors for that long). The SDK interrupted it; `turn` is its result so far (undefined
 * if it never started). The thread stays usable.
 */
export class TurnTimeoutError extends CodexError {
  /** What the turn had produced when it stopped (or when the SDK stopped waiting for it). */
  readonly turn: TurnResult | undefined;

  constructor(
    /** `deadline`: the turn's whole-turn deadline passed; `stalled`: only retry errors for `timeoutMs`. */
    readonly reason: 'deadline' | 'stalled',
    readonly timeoutMs: number,
    turn: TurnResult | undefined,
    /** The turn's id, when the server had answered `turn/start`. */
    readonly turnId?: string,
  ) {
    super(
      reason === 'deadline'
        ? `Turn ${turnId ?? '(not started)'} did not finish within ${timeoutMs} ms`
        : `Turn ${turnId ?? '(not started)'} made no progress but retry errors for ${timeoutMs} ms (model provider unreachable?)`,
    );
    this.turn = turn;
  }
}
