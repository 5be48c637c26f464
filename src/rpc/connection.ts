import { createMessageConnection, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { AbortError, brand, CodexError, InvalidArgumentError, RequestTimeoutError, TransportClosedError, type ProtocolError } from '../errors.js';
import type { MessageTransport, TransportEnd } from '../transport/transport.js';
import { DRAINED_METHOD, NO_ANSWER, TransportBridge, type IncomingNotification, type IncomingResponse, type RequestId } from './adapter.js';
import { Admission } from './admission.js';
import { classifyServerError } from './classify.js';
import { jsonStart } from '../transport/jsonl.js';
import type { TraceContext } from './trace.js';

export interface RpcConnectionOptions {
  /** Deadline for a request that names none, in ms. */
  readonly requestTimeoutMs: number;
  /** Requests outstanding at once; the rest wait in a local queue. */
  readonly maxInFlightRequests: number;
  /** Applied to the server's error messages before they become errors (takes secrets out). */
  readonly redact?: ((text: string) => string) | undefined;
  readonly onNotification: (notification: IncomingNotification) => void;
  readonly onProtocolError: (error: ProtocolError) => void;
  /**
   * Answers a request from the server. Throw a `ServerRequestError` to answer with an error;
   * resolve with `NO_ANSWER` to write nothing.
   */
  readonly onServerRequest: (method: string, params: unknown, id: string | number) => Promise<unknown>;
  /** Runs once, after every message read before the end has been delivered. */
  readonly onClose: (error: TransportClosedError) => void;
  /** The server's version once known, for errors that name it (`UnsupportedFeatureError`). */
  readonly serverVersion?: (() => string | undefined) | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** W3C trace context, written as the request's top-level `trace` member (checked by the caller). */
  readonly trace?: TraceContext | undefined;
}

export { NO_ANSWER };

/** An error answer to a server request, sent as a JSON-RPC error response (`safeAnswer` throws one to refuse). */
export class ServerRequestError extends CodexError {
  static {
    brand(this, 'ServerRequestError');
  }

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** After the transport ends, how long to wait for vscode-jsonrpc's queue to drain. */
const DRAIN_TIMEOUT_MS = 2_000;
/** Ids of abandoned requests remembered, so that their late answers are dropped quietly. */
const ABANDONED_IDS_KEPT = 1_024;

/**
 * JSON-RPC over a transport: correlation of our own requests, deadlines, abort, admission
 * control, typed errors, and rejecting everything pending when the transport ends.
 * vscode-jsonrpc serves only the server's requests.
 *
 * The SDK owns the correlation so that a request abandoned at its deadline (or abort) leaves
 * nothing behind: vscode-jsonrpc would keep its entry until an answer that may never come.
 */
export class RpcConnection {
  readonly #connection: MessageConnection;
  readonly #transport: MessageTransport;
  readonly #options: RpcConnectionOptions;
  readonly #admission: Admission;
  readonly #pending = new Set<Call>();
  /** Requests written and not yet answered, by id. */
  readonly #awaiting = new Map<RequestId, Call>();
  /** Ids of requests abandoned before their answer (bounded, oldest first). */
  readonly #abandoned = new Set<RequestId>();
  #nextId = 0;
  #closedError: TransportClosedError | undefined;
  #end: TransportEnd | undefined;
  readonly #finished: Promise<void>;
  #markFinished!: () => void;

  constructor(transport: MessageTransport, options: RpcConnectionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#admission = new Admission(options.maxInFlightRequests);
    this.#finished = new Promise((resolve) => {
      this.#markFinished = resolve;
    });
    const bridge = new TransportBridge(transport, {
      notification: options.onNotification,
      protocolError: options.onProtocolError,
      response: (message) => this.#onResponse(message),
      end: (info) => {
        this.#end = info;
        // Normally the drained marker settles this; the timer covers a wedged queue.
        setTimeout(() => this.#finish(), DRAIN_TIMEOUT_MS).unref();
      },
    });
    // vscode-jsonrpc does not pass a request's id to its handler; its message strategy sees each
    // message right before the handler is called, synchronously, so it can hand the id over.
    let currentRequestId: string | number = -1;
    this.#connection = createMessageConnection(bridge.reader, bridge.writer, silentLogger, {
      messageStrategy: {
        handleMessage: (message, next) => {
          const id = (message as { id?: unknown }).id;
          if (typeof id === 'string' || typeof id === 'number') currentRequestId = id;
          return next(message);
        },
      },
    });
    this.#connection.onNotification(DRAINED_METHOD, () => this.#finish());
    this.#connection.onRequest(async (method, params) => {
      const id = currentRequestId;
      try {
        return await options.onServerRequest(method, params, id);
      } catch (error) {
        if (error instanceof ServerRequestError) throw new ResponseError(error.code, error.message, error.data);
        throw new ResponseError(-32603, error instanceof Error ? error.message : String(error));
      }
    });
    this.#connection.listen();
  }

  /** The error every call gets once the transport has ended, or undefined while it is open. */
  get closedError(): TransportClosedError | undefined {
    return this.#closedError;
  }

  /** How many requests are waiting for a slot in the local queue. */
  get queuedRequests(): number {
    return this.#admission.waiting;
  }

  /** @internal Entries kept for requests written and not yet answered or abandoned (for leak tests). */
  get unansweredRequests(): number {
    return this.#awaiting.size + (this.#connection.hasPendingResponse() ? 1 : 0);
  }

  /** Sends a request and resolves with its result, or rejects with a typed error. */
  request(method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortError(method, signal.reason));
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const call = new Call(method, resolve, reject, () => {
        this.#pending.delete(call);
        if (call.holdsSlot) this.#admission.release();
        if (call.id !== undefined && this.#awaiting.delete(call.id) && !call.answered) this.#rememberAbandoned(call.id);
      });
      this.#pending.add(call);
      call.arm(timeoutMs, signal);
      const send = (): void => {
        call.holdsSlot = true;
        if (call.settled) {
          this.#admission.release();
          return;
        }
        const id = this.#nextId++;
        call.id = id;
        this.#awaiting.set(id, call);
        let sent: boolean;
        try {
          // codex needs no "jsonrpc" member; params are left out when there are none.
          sent = this.#transport.send({ id, method, ...(params !== undefined && { params }), ...(options.trace !== undefined && { trace: options.trace }) });
        } catch (cause) {
          // JSON.stringify refused the params (a BigInt, a cycle): nothing was written.
          call.answered = true;
          call.settle(new InvalidArgumentError('params', `cannot be sent as JSON (${cause instanceof Error ? cause.message : String(cause)})`));
          return;
        }
        if (!sent) {
          call.answered = true;
          call.settle(this.#closedError ?? new TransportClosedError(`${method} could not be sent: the app-server is gone`, this.#endDetails()));
        }
      };
      if (this.#admission.tryAcquire()) send();
      else call.leaveQueue = this.#admission.enqueue(send);
    });
  }

  /** Sends a notification. Silently dropped once the transport has ended. */
  notify(method: string, params?: unknown): void {
    if (this.#closedError !== undefined) return;
    void (params === undefined ? this.#connection.sendNotification(method) : this.#connection.sendNotification(method, params)).catch(
      () => undefined,
    );
  }

  /**
   * Ends the transport. Resolves once the process has exited, every pending call has rejected
   * with `TransportClosedError` and `onClose` has run.
   */
  async close(): Promise<void> {
    await this.#transport.close();
    await this.#finished;
  }

  /** Settles the call this answer is for; false if none awaits it. */
  #onResponse(message: IncomingResponse): boolean {
    const call = this.#awaiting.get(message.id);
    if (call === undefined) {
      // The answer to a request abandoned at its deadline or abort: expected, and dropped.
      return this.#abandoned.delete(message.id);
    }
    call.answered = true;
    const { error } = message;
    if (error === undefined || (error === null && 'result' in message)) {
      call.settle(undefined, message.result);
      return true;
    }
    const clean = this.#options.redact ?? ((t: string) => t);
    const { code, text, data } = readError(error, clean);
    call.settle(classifyServerError(code, clean(text), redactValue(data, clean), call.method, this.#options.serverVersion?.()));
    return true;
  }

  #rememberAbandoned(id: RequestId): void {
    this.#abandoned.add(id);
    if (this.#abandoned.size > ABANDONED_IDS_KEPT) this.#abandoned.delete(this.#abandoned.values().next().value as RequestId);
  }

  #endDetails(): TransportEnd {
    return this.#end ?? { reason: 'unknown', exitCode: null, signal: null, stderrTail: this.#transport.stderrTail() };
  }

  /** Runs once every message read before the end has been handled: now reject what is left. */
  #finish(): void {
    if (this.#closedError !== undefined || this.#end === undefined) return;
    const end = this.#end;
    const error = new TransportClosedError(end.reason, end);
    this.#closedError = error;
    for (const call of [...this.#pending]) call.settle(error);
    this.#abandoned.clear();
    this.#connection.dispose();
    try {
      this.#options.onClose(error);
    } finally {
      this.#markFinished();
    }
  }
}

/**
 * The code, message and data of an error answer. A malformed one (no numeric code) becomes
 * -32603 naming what was sent: with no code it could otherwise read as an overload
 * (-32001, ServerBusyError, retried).
 */
function readError(error: unknown, clean: (text: string) => string): { code: number; text: string; data: unknown } {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number') {
    const { code, message, data } = error as { code: number; message?: unknown; data?: unknown };
    return { code, text: typeof message === 'string' ? message : String(message ?? ''), data };
  }
  // jsonStart never throws (a deeply nested error cannot be stringified) and redacts before it cuts.
  return { code: -32603, text: `The app-server answered with a malformed error: ${jsonStart(error, clean)}`, data: error };
}

/** `value` with `clean` applied to every string in it (keys included), to keep secrets out of `JsonRpcError.data`. */
export function redactValue(value: unknown, clean: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return clean(value);
  if (typeof value !== 'object' || value === null) return value;
  // Deeper than any error codex sends; past it, drop rather than keep what was not checked.
  if (depth > 32) return '[too deep]';
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item, clean, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [clean(key), redactValue(item, clean, depth + 1)]));
}

/** One request in flight: settles exactly once, by reply, deadline, abort or close. */
class Call {
  settled = false;
  holdsSlot = false;
  /** Set once the request is written. */
  id: RequestId | undefined;
  /** True once its answer arrived (as opposed to a deadline, abort or close). */
  answered = false;
  leaveQueue: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.settle(new AbortError(this.method, this.#signal?.reason));

  constructor(
    readonly method: string,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: Error) => void,
    private readonly cleanup: () => void,
  ) {}

  arm(timeoutMs: number, signal: AbortSignal | undefined): void {
    if (Number.isFinite(timeoutMs)) {
      this.#timer = setTimeout(() => this.settle(new RequestTimeoutError(this.method, timeoutMs)), timeoutMs);
    }
    if (signal !== undefined) {
      this.#signal = signal;
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  settle(error: Error | undefined, result?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.leaveQueue?.();
    this.cleanup();
    if (error === undefined) this.resolve(result);
    else this.reject(error);
  }
}

const silentLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  log: () => undefined,
};
