import type { TurnResult } from './session/reducer.js';

/**
 * The SDK's error tree. Every error the SDK throws is a `CodexError`; each subclass stands for one
 * failure a caller may want to handle differently.
 *
 * Identity survives the dual-package hazard: when the ESM and the CJS build are both loaded in one
 * process, each has its own copy of these classes. Every instance carries the registered brands of
 * its classes (`Symbol.for`, shared by all copies), and `Symbol.hasInstance` checks them, so
 * `error instanceof ServerBusyError` holds whichever build created the error.
 */

/** On an instance: the brands of every SDK class in its prototype chain. */
const INSTANCE_BRANDS = Symbol.for('codex-app-server-sdk.errorBrands');
/** On a class (own property only): its brand. */
const CLASS_BRAND = Symbol.for('codex-app-server-sdk.errorClass');

/**
 * @internal Registers `errorClass` under a name shared by every copy of the SDK. Call it in a
 * static block of each exported error class: `static { brand(this, 'TurnFailedError'); }`.
 */
export function brand(errorClass: abstract new (...args: never[]) => CodexError, name: string): void {
  Object.defineProperty(errorClass, CLASS_BRAND, { value: `codex-app-server-sdk/${name}` });
}

function brandsOf(constructor: unknown): string[] {
  const brands: string[] = [];
  for (let c = constructor; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, CLASS_BRAND)) brands.push((c as unknown as Record<symbol, string>)[CLASS_BRAND]!);
  }
  return brands;
}

export class CodexError extends Error {
  static {
    brand(this, 'CodexError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, INSTANCE_BRANDS, { value: brandsOf(new.target) });
  }

  /** `instanceof` by prototype, or by registered brand for an instance made by another copy of the SDK. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !Object.hasOwn(this, CLASS_BRAND)) return false;
    const brands = (value as Record<symbol, unknown>)[INSTANCE_BRANDS];
    return Array.isArray(brands) && brands.includes((this as unknown as Record<symbol, string>)[CLASS_BRAND]);
  }
}

/** A public API was called with an argument it cannot use. `argument` names it. */
export class InvalidArgumentError extends CodexError {
  static {
    brand(this, 'InvalidArgumentError');
  }

  constructor(
    readonly argument: string,
    problem: string,
  ) {
    super(`Invalid ${argument}: ${problem}`);
  }
}

/** The `codex` executable could not be found, or what was found is not one. `searched` lists every path that was tried. */
export class CodexBinaryNotFoundError extends CodexError {
  static {
    brand(this, 'CodexBinaryNotFoundError');
  }

  constructor(
    message: string,
    readonly searched: readonly string[],
  ) {
    super(message);
  }
}

/**
 * An error response from the app-server. `serverMessage` is the server's message, kept whole (with
 * known secrets redacted); `message` is the same text, except where a subclass says otherwise.
 */
export class JsonRpcError extends CodexError {
  static {
    brand(this, 'JsonRpcError');
  }

  /** The server's message, whole (with known secrets redacted). */
  readonly serverMessage: string;

  constructor(
    serverMessage: string,
    /** The JSON-RPC error code as received (codex sends -32600 for nearly everything). */
    readonly code: number,
    /** The error's `data` member, if the server sent one (with known secrets redacted). */
    readonly data: unknown,
    /** The method of the request that failed. */
    readonly method: string | undefined,
    /** @internal A shorter message, when the server's is not the clearest one. */
    summary?: string,
  ) {
    super(summary ?? serverMessage);
    this.serverMessage = serverMessage;
  }
}

export class ParseError extends JsonRpcError {
  static {
    brand(this, 'ParseError');
  }
}

/** The request was refused: thread not found, no active turn, not initialized, and the like. */
export class InvalidRequestError extends JsonRpcError {
  static {
    brand(this, 'InvalidRequestError');
  }
}

/**
 * The server does not know the requested method (older server, or a typo). `message` names the
 * method; codex's own text, which lists every method it knows, is in `serverMessage`.
 */
export class MethodNotFoundError extends JsonRpcError {
  static {
    brand(this, 'MethodNotFoundError');
  }

  constructor(serverMessage: string, code: number, data: unknown, method: string | undefined) {
    super(
      serverMessage,
      code,
      data,
      method,
      `The app-server has no method ${method === undefined ? '(unknown)' : JSON.stringify(method)} (an older server, or a typo); the full server message is in serverMessage`,
    );
  }
}

/** codex prefixes every failure to deserialize a request with this. */
const DESERIALIZE_PREFIX = 'Invalid request: ';

/** The params did not deserialize: a missing field, a wrong type or an unknown enum value. */
export class InvalidParamsError extends JsonRpcError {
  static {
    brand(this, 'InvalidParamsError');
  }

  constructor(serverMessage: string, code: number, data: unknown, method: string | undefined) {
    const problem = serverMessage.startsWith(DESERIALIZE_PREFIX) ? serverMessage.slice(DESERIALIZE_PREFIX.length) : serverMessage;
    super(serverMessage, code, data, method, `Invalid params${method === undefined ? '' : ` for ${method}`}: ${problem}`);
  }
}

export class InternalRpcError extends JsonRpcError {
  static {
    brand(this, 'InternalRpcError');
  }
}

/** The server is overloaded; the request may succeed if retried later (see `retryOnOverload`). */
export class ServerBusyError extends JsonRpcError {
  static {
    brand(this, 'ServerBusyError');
  }
}

/** The server gave up after exhausting its own retry budget. */
export class RetryLimitExceededError extends ServerBusyError {
  static {
    brand(this, 'RetryLimitExceededError');
  }
}

export interface TransportClosedDetails {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines the app-server wrote to stderr, with known secrets redacted. */
  readonly stderrTail: string;
  /** True when the process could not be started at all (spawn failed). */
  readonly neverStarted?: boolean | undefined;
  /** For a server reached by `Codex.connect()`: its URL (its exit status is unknown to the client). */
  readonly url?: string | undefined;
}

/** The app-server exited or its stream ended (or never started); nothing more can be sent or received. */
export class TransportClosedError extends CodexError {
  static {
    brand(this, 'TransportClosedError');
  }

  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(reason: string, details: TransportClosedDetails, options?: { cause?: unknown }) {
    const exit =
      details.neverStarted === true
        ? 'never started'
        : details.url !== undefined
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
  static {
    brand(this, 'RequestTimeoutError');
  }

  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} got no response within ${timeoutMs} ms`);
  }
}

/**
 * A turn's events were iterated after they had been released: `run()` (or every earlier reader)
 * consumed them and nothing kept them. Start iterating before or alongside `run()`.
 */
export class StreamConsumedError extends CodexError {
  static {
    brand(this, 'StreamConsumedError');
  }

  constructor(
    what: string,
    /** How many events this reader would have missed. */
    readonly missedEvents: number,
  ) {
    super(
      `${what}: ${missedEvents} event(s) were already released before this iteration started. ` +
        'Iterate a turn (for await, stream(), text()) before or alongside run(), not after it.',
    );
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's reason. */
export class AbortError extends CodexError {
  static {
    brand(this, 'AbortError');
  }

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
  static {
    brand(this, 'ProtocolError');
  }

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

  /**
   * A copy with `clean` applied to its text and line start, and `cleanCause` to its cause;
   * itself if nothing changes.
   */
  redacted(clean: (text: string) => string, cleanCause: (cause: unknown) => unknown = (cause) => cause): ProtocolError {
    const cause = this.cause === undefined ? undefined : cleanCause(this.cause);
    const copy = new ProtocolError(
      clean(this.#problem),
      this.kind,
      this.lineStart === undefined ? undefined : clean(this.lineStart),
      cause === undefined ? undefined : { cause },
    );
    return copy.message === this.message && cause === this.cause ? this : copy;
  }
}

/** `Codex.connect()` could not reach the app-server (refused, no such socket, DNS, TLS, handshake). */
export class ConnectionError extends CodexError {
  static {
    brand(this, 'ConnectionError');
  }

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
  static {
    brand(this, 'AuthenticationError');
  }

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
 * A response did not have the shape the protocol schema gives its method's result (for example
 * `thread/start` answering `{ "thread": null }`). `path` is the JSON path of the first mismatch
 * (`$.thread`), `reason` says what is wrong there; `result` is what the server sent.
 */
export class InvalidResponseError extends CodexError {
  static {
    brand(this, 'InvalidResponseError');
  }

  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    readonly result: unknown,
  ) {
    super(`${method} answered with a result that does not match the protocol schema: ${path} ${reason}`);
  }
}

/**
 * `thread/resume` of a thread that is loaded on the server but has had no turn yet: the server
 * stores a thread's rollout with its first turn, and cannot resume it before. Resume it after
 * its first turn. An `InvalidRequestError`, as the server's answer was.
 */
export class ThreadNotResumableError extends InvalidRequestError {
  static {
    brand(this, 'ThreadNotResumableError');
  }

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

/**
 * A turn passed its deadline (`timeoutMs`, `turnTimeoutMs`) or stalled (`stallTimeoutMs`: nothing
 * but retry errors for that long). The SDK interrupted it; `turn` is its result so far (undefined
 * if it never started). The thread stays usable.
 */
export class TurnTimeoutError extends CodexError {
  static {
    brand(this, 'TurnTimeoutError');
  }

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

/**
 * The connected server does not offer what was asked: a method it does not know (an older or
 * newer codex than the one the SDK's types come from), or an experimental method or field used
 * without `experimentalApi: true`. The message stays short; the server's own text, which lists
 * every method it knows, is in `serverMessage`, and that list in `knownMethods`. A
 * `MethodNotFoundError`, as unknown methods were before it existed.
 */
export class UnsupportedFeatureError extends MethodNotFoundError {
  static {
    brand(this, 'UnsupportedFeatureError');
  }

  constructor(
    /** `unknownMethod`: the server has no such method; `experimental`: it needs `experimentalApi: true`. */
    readonly reason: 'unknownMethod' | 'experimental',
    /** The method, or `method.field` for an experimental field. */
    readonly feature: string,
    /** The connected server's version, when known. */
    readonly serverVersion: string | undefined,
    /** The codex version the SDK's types were generated from. */
    readonly schemaVersion: string,
    serverMessage: string,
    /** The methods the server says it knows (empty for `experimental`). */
    readonly knownMethods: readonly string[],
    code: number,
    data: unknown,
    method: string,
  ) {
    super(serverMessage, code, data, method);
    const server = `codex app-server ${serverVersion ?? '(version unknown)'}`;
    this.message =
      reason === 'unknownMethod'
        ? `${server} does not have the method ${feature} (the SDK's types come from codex ${schemaVersion})`
        : `${feature} is experimental: start the client with experimentalApi: true (${server}; the SDK's types come from codex ${schemaVersion})`;
  }
}
