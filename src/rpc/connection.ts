import { createMessageConnection, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { AbortError, RequestTimeoutError, TransportClosedError, type ProtocolError } from '../errors.js';
import type { MessageTransport, TransportEnd } from '../transport/transport.js';
import { DRAINED_METHOD, TransportBridge, type IncomingNotification } from './adapter.js';
import { Admission } from './admission.js';
import { classifyServerError } from './classify.js';
import type { TraceContext } from './trace.js';

export interface RpcConnectionOptions {
  /** Deadline for a request that names none, in ms. */
  readonly requestTimeoutMs: number;
  /** Requests outstanding at once; the rest wait in a local queue. */
  readonly maxInFlightRequests: number;
  /** Applied to the server's error messages before they become errors (takes secrets out). */
  readonly redact?: (text: string) => string;
  readonly onNotification: (notification: IncomingNotification) => void;
  readonly onProtocolError: (error: ProtocolError) => void;
  /** Answers a request from the server. Throw a `ServerRequestError` to answer with an error. */
  readonly onServerRequest: (method: string, params: unknown, id: string | number) => Promise<unknown>;
  /** Runs once, after every message read before the end has been delivered. */
  readonly onClose: (error: TransportClosedError) => void;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** W3C trace context, written as the request's top-level `trace` member (checked by the caller). */
  readonly trace?: TraceContext | undefined;
}

/** An error answer to a server request, sent as a JSON-RPC error response. */
export class ServerRequestError extends Error {
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

/**
 * JSON-RPC over a transport: correlation (vscode-jsonrpc), deadlines, abort, admission control,
 * typed errors, and rejecting everything pending when the transport ends.
 */
export class RpcConnection {
  readonly #connection: MessageConnection;
  readonly #bridge: TransportBridge;
  readonly #transport: MessageTransport;
  readonly #options: RpcConnectionOptions;
  readonly #admission: Admission;
  readonly #pending = new Set<Call>();
  #closedError: TransportClosedError | undefined;
  #end: TransportEnd | undefined;

  constructor(transport: MessageTransport, options: RpcConnectionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#admission = new Admission(options.maxInFlightRequests);
    const bridge = (this.#bridge = new TransportBridge(transport, {
      notification: options.onNotification,
      protocolError: options.onProtocolError,
      end: (info) => {
        this.#end = info;
        // Normally the drained marker settles this; the timer covers a wedged queue.
        setTimeout(() => this.#finish(), DRAIN_TIMEOUT_MS).unref();
      },
    }));
    // vscode-jsonrpc does not pass a request's id to its handler; its message strategy sees each
    // message right before the handler is called, synchronously, so it can hand the id over.
    let currentRequestId: string | number = -1;
    this.#connection = createMessageConnection(bridge.reader, bridge.writer, silentLogger, {
      messageStrategy: {
        handleMessage: (message, next) => {
          const id = (message as { id?: unknown }).id;
          if (typeof id === 'string' || typeof id === 'number') currentRequestId = id;
          if ('error' in message && !('method' in message)) normalizeErrorResponse(message as ResponseShape);
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
      });
      this.#pending.add(call);
      call.arm(timeoutMs, signal);
      const send = (): void => {
        call.holdsSlot = true;
        if (call.settled) {
          this.#admission.release();
          return;
        }
        let reply: Promise<unknown>;
        try {
          // vscode-jsonrpc sends `params: [null]` for an undefined param: omit it instead.
          reply = this.#bridge.writer.withTrace(options.trace, () =>
            params === undefined ? this.#connection.sendRequest(method) : this.#connection.sendRequest(method, params),
          );
        } catch (error) {
          call.settle(this.#toError(method, error));
          return;
        }
        reply.then(
          (result) => call.settle(undefined, result),
          (error: unknown) => call.settle(this.#toError(method, error)),
        );
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

  /** Ends the transport; pending calls reject with `TransportClosedError` once it has ended. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  #toError(method: string, error: unknown): Error {
    // vscode-jsonrpc's own codes (-32099..-32096) mean the write failed or the connection died.
    if (error instanceof ResponseError && !(error.code >= -32099 && error.code <= -32096)) {
      const message = this.#options.redact?.(error.message) ?? error.message;
      return classifyServerError(error.code, message, error.data, method);
    }
    return this.#closedError ?? new TransportClosedError(`${method} could not be sent: the app-server is gone`, this.#endDetails());
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
    this.#connection.dispose();
    this.#options.onClose(error);
  }
}

interface ResponseShape {
  error?: unknown;
  result?: unknown;
}

/**
 * Makes a malformed error answer a well-formed one (-32603, naming what was sent) before
 * vscode-jsonrpc sees it. Left alone, an error without a numeric code would get
 * vscode-jsonrpc's UnknownErrorCode, -32001, and read as an overload (ServerBusyError, retried);
 * and `error: null` without a result would fail the call as if the transport were gone.
 */
function normalizeErrorResponse(message: ResponseShape): void {
  const { error } = message;
  if (error === undefined || (error === null && 'result' in message)) return;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number') return;
  message.error = {
    code: -32603,
    message: `The app-server answered with a malformed error: ${JSON.stringify(error).slice(0, 200)}`,
    data: error,
  };
  delete message.result;
}

/** One request in flight: settles exactly once, by reply, deadline, abort or close. */
class Call {
  settled = false;
  holdsSlot = false;
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
