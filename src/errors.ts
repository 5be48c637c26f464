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
  /** For a server reached by `Codex.connect()`: its URL (its exit status is unknown to the client). */
  readonly url?: string | undefined;
}

/** The app-server exited or its stream ended; nothing more can be sent or received. */
export class TransportClosedError extends CodexError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(reason: string, details: TransportClosedDetails, options?: { cause?: unknown }) {
    const exit =
      details.url !== undefined
        ? `at ${details.url}`
        : details.signal !== null
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

/** `Codex.connect()` could not reach the app-server (refused, no such socket, DNS, TLS, handshake). */
export class ConnectionError extends CodexError {
  constructor(
    /** The URL that was dialled, without credentials. */
    readonly url: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Could not connect to the app-server at ${url}: ${problem}`, options);
  }
}

/** The app-server refused the connection's credentials (HTTP 401 at the WebSocket upgrade). */
export class AuthenticationError extends CodexError {
  constructor(
    readonly url: string,
    /** The HTTP status of the refusal. */
    readonly status: number,
    /** What the server said, e.g. `invalid websocket bearer token`. */
    readonly serverMessage: string,
  ) {
    super(`The app-server at ${url} refused the connection (HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}); check token, tokenFile or signedToken`);
  }
}

/**
 * `thread/resume` of a thread that is loaded on the server but has had no turn yet: the server
 * stores a thread's rollout with its first turn, and cannot resume it before. Resume it after
 * its first turn. An `InvalidRequestError`, as the server's answer was.
 */
export class ThreadNotResumableError extends InvalidRequestError {
  constructor(
    readonly threadId: string,
    cause: InvalidRequestError,
  ) {
    super(
      `Thread ${threadId} cannot be resumed yet: it is loaded on the server but has had no turn, and a thread can be resumed only after its first turn (server said: ${cause.message})`,
      cause.code,
      cause.data,
      cause.method,
    );
  }
}
