import { InvalidArgumentError, ProtocolError } from '../errors.js';
import { SERVER_REQUEST_METHODS, type ServerRequestMap, type ServerRequestMethod } from '../generated/methods.js';
import { NO_ANSWER, ServerRequestError } from '../rpc/connection.js';
import { serverRequestParamsMismatch, serverResponseMismatch } from '../rpc/validation.js';
import { LINE_START_CHARS } from '../transport/jsonl.js';

const KNOWN_METHODS: ReadonlySet<string> = new Set(SERVER_REQUEST_METHODS);

export interface ServerRequestContext<M extends ServerRequestMethod = ServerRequestMethod> {
  readonly method: M;
  /** The server's id for this request. */
  readonly requestId: string | number;
  /** The thread the request is about, when its params name one. */
  readonly threadId: string | undefined;
  /** The turn the request is about, when its params name one. */
  readonly turnId: string | undefined;
  /**
   * Fires when the answer no longer matters: the handler's deadline passed (the safe answer was
   * sent), the server withdrew the request (`serverRequest/resolved`, e.g. another client
   * answered first), the request's turn ended or was interrupted, the connection dropped (with
   * `reconnect`, the server sends the request again, with the same id, to the new connection), or
   * the client closed. Once it fired, the handler's own answer is never sent: after the deadline
   * (or when the SDK gave up waiting for the turn) the safe answer goes instead; otherwise nothing
   * is written, since the server no longer reads it.
   */
  readonly signal: AbortSignal;
}

/** Answers one server request method; may be async. Throwing sends the safe answer instead. */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestMap[M]['params'],
  context: ServerRequestContext<M>,
) => ServerRequestMap[M]['response'] | Promise<ServerRequestMap[M]['response']>;

/**
 * Answers a server request whose method this SDK's types do not know (a newer server's). Return
 * the result to send; `undefined` (or throwing) refuses it with a JSON-RPC error as before.
 */
export type UnknownServerRequestHandler = (
  method: string,
  params: unknown,
  context: Omit<ServerRequestContext, 'method'> & { readonly method: string },
) => unknown;

/** Handlers by server request method. Methods left out get the safe default. */
export type ServerRequestHandlers = { readonly [M in ServerRequestMethod]?: ServerRequestHandler<M> };

/** The answer sent when no handler answers: approvals declined, anything else refused. */
export function safeAnswer(method: string, params: unknown): unknown {
  if (typeof method !== 'string') throw new InvalidArgumentError('method', 'must be a server request method name (a string)');
  const p = (params ?? {}) as { availableDecisions?: unknown };
  switch (method) {
    case 'item/commandExecution/requestApproval': {
      const offered = Array.isArray(p.availableDecisions) ? p.availableDecisions : undefined;
      const decision = offered === undefined || offered.includes('decline') ? 'decline' : offered.includes('cancel') ? 'cancel' : 'decline';
      return { decision };
    }
    case 'item/fileChange/requestApproval':
      return { decision: 'decline' };
    case 'item/permissions/requestApproval':
      // Grants nothing: no file system and no network permissions, for this turn only.
      return { permissions: {}, scope: 'turn' };
    case 'mcpServer/elicitation/request':
      return { action: 'decline', content: null };
    case 'applyPatchApproval':
    case 'execCommandApproval':
      return { decision: { denied: { rejection: 'Declined by the client: no approval handler is registered.' } } };
    default:
      throw new ServerRequestError(
        -32601,
        `${method} is not handled by this client (register a handler for it in onServerRequest)`,
      );
  }
}

export interface DispatcherOptions {
  /** Handlers given to `Codex.start`. */
  readonly handlers: ServerRequestHandlers;
  /** Per-turn overrides, looked up by the turn id in the params (and its thread, for a turn still starting). */
  readonly handlersForTurn: (turnId: string, threadId: string | undefined) => ServerRequestHandlers | undefined;
  /** Per-thread overrides, looked up by the thread id in the params. */
  readonly handlersForThread: (threadId: string) => ServerRequestHandlers | undefined;
  /** Tells the turn a handler of its runs (its stall clock pauses); returns the release. */
  readonly holdTurn?: ((turnId: string) => (() => void) | undefined) | undefined;
  readonly timeoutMs: number;
  readonly onError: (error: ProtocolError) => void;
  /** For methods the SDK does not know; without it they are refused with -32601. */
  readonly onUnknown?: UnknownServerRequestHandler | undefined;
  /** Answers a request before any handler (local tools' `item/tool/call`); undefined passes it on. */
  readonly answerFirst?: ((method: string, params: unknown) => Promise<unknown> | undefined) | undefined;
}

/** A server request still waiting for its answer. */
interface Pending {
  readonly controller: AbortController;
  readonly threadId: string | undefined;
  readonly turnId: string | undefined;
  /** For `item/tool/call`: the call id, which its `dynamicToolCall` item carries. */
  readonly callId: string | undefined;
  /**
   * Set when the server no longer waits for the answer (withdrawn, turn over, connection gone):
   * whatever the handler returns then is dropped, not written.
   */
  unwanted: boolean;
}

/**
 * Routes each server request to its handler (the turn's, else the thread's, else the client's),
 * enforces the handler's deadline, and falls back to the safe answer when a handler throws or is
 * late. Handlers run concurrently with message reading: a slow one never blocks other messages.
 * A handler's `signal` fires when its answer can no longer matter: the deadline passed, the server
 * withdrew the request (`serverRequest/resolved`), its turn ended, or the client closed. Only a
 * passed deadline (or a turn the SDK gave up on) still writes the safe answer; otherwise nothing
 * is written, since the server no longer reads it.
 */
export class ServerRequestDispatcher {
  readonly #options: DispatcherOptions;
  readonly #running = new Map<string | number, Pending>();
  #closed = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** The answer to write, or `NO_ANSWER` when the server no longer waits for one. */
  async handle(method: string, params: unknown, requestId: string | number): Promise<unknown> {
    // A handler is only ever given params of the shape its type promises.
    const badParams = serverRequestParamsMismatch(method, params);
    if (badParams !== undefined) {
      this.#options.onError(
        new ProtocolError(
          `The server sent ${method} params that do not match the protocol schema (${badParams.path} ${badParams.reason}); sent the safe answer without calling the handler`,
          'invalidMessage',
          lineStartOf(params),
        ),
      );
      return safeAnswer(method, params);
    }
    if (this.#closed) return NO_ANSWER;
    const ids = idsOf(params);
    const pending: Pending = { controller: new AbortController(), threadId: ids.threadId, turnId: ids.turnId, callId: method === 'item/tool/call' ? callIdOf(params) : undefined, unwanted: false };
    this.#running.set(requestId, pending);
    try {
      const answer = await this.#answer(method, params, requestId, ids, pending.controller);
      return pending.unwanted ? NO_ANSWER : answer;
    } catch (refusal) {
      // The safe answer of some methods is an error: it is not written either.
      if (pending.unwanted) return NO_ANSWER;
      throw refusal;
    } finally {
      if (this.#running.get(requestId) === pending) this.#running.delete(requestId);
    }
  }

  async #answer(method: string, params: unknown, requestId: string | number, ids: Ids, controller: AbortController): Promise<unknown> {
    const first = this.#options.answerFirst?.(method, params);
    if (first !== undefined) return first;
    const handler = this.#handlerFor(method, ids.threadId, ids.turnId);
    if (handler === undefined) return safeAnswer(method, params);
    const context: ServerRequestContext = {
      method: method as ServerRequestMethod,
      requestId,
      threadId: ids.threadId,
      turnId: ids.turnId,
      signal: controller.signal,
    };
    const unhold = ids.turnId === undefined ? undefined : this.#options.holdTurn?.(ids.turnId);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected first, so the race reports the missed deadline rather than a cancellation.
        reject(new Error(`did not answer within ${this.#options.timeoutMs} ms`));
        controller.abort(new Error(`deadline of ${this.#options.timeoutMs} ms passed`));
      }, this.#options.timeoutMs);
      // A handler that never answers must not keep the process alive.
      timer.unref();
    });
    // Withdrawn, turn over or client closed: the answer no longer matters, stop waiting for it.
    const cancelled = new Promise<typeof CANCELLED>((resolve) => {
      if (controller.signal.aborted) resolve(CANCELLED);
      controller.signal.addEventListener('abort', () => resolve(CANCELLED), { once: true });
    });
    let answer: unknown;
    try {
      answer = await Promise.race([
        Promise.resolve().then(() => (handler as (p: unknown, c: ServerRequestContext) => unknown)(params, context)),
        deadline,
        cancelled,
      ]);
      if (answer !== undefined && answer !== CANCELLED) {
        // An answer of the wrong shape (an array, say) must not reach the server: codex may read
        // an array's elements as fields and run the command.
        const badAnswer = serverResponseMismatch(method, answer);
        if (badAnswer !== undefined) {
          answer = undefined;
          throw new Error(`its answer does not match the protocol schema: ${badAnswer.path} ${badAnswer.reason}`);
        }
      }
    } catch (error) {
      // Thrown, or past its deadline. (Withdrawn, turn over or closed settles as CANCELLED above.)
      if (!this.#closed) {
        this.#options.onError(
          new ProtocolError(
            `The ${method} handler failed (${error instanceof Error ? error.message : String(error)}); sent the safe answer instead`,
            'handlerFailed',
            undefined,
            { cause: error },
          ),
        );
      }
    } finally {
      clearTimeout(timer);
      unhold?.();
    }
    return answer === undefined || answer === CANCELLED ? safeAnswer(method, params) : answer;
  }

  /**
   * Server notifications that end pending requests: `serverRequest/resolved`, `turn/completed`,
   * and the `item/completed` of a dynamic tool call the server finished without this answer.
   */
  observe(notification: { readonly method: string; readonly params?: unknown }): void {
    if (this.#running.size === 0) return;
    if (notification.method === 'serverRequest/resolved') {
      const { requestId } = (notification.params ?? {}) as { requestId?: unknown };
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        const pending = this.#running.get(requestId);
        if (pending !== undefined) unwanted(pending, 'the server withdrew the request (serverRequest/resolved)');
      }
    } else if (notification.method === 'turn/completed') {
      const turn = (notification.params as { turn?: { id?: unknown } | undefined } | undefined)?.turn;
      if (typeof turn?.id !== 'string') return;
      for (const pending of this.#running.values()) if (pending.turnId === turn.id) unwanted(pending, `turn ${turn.id} ended`);
    } else if (notification.method === 'item/completed') {
      const { item, threadId, turnId } = (notification.params ?? {}) as { item?: { type?: unknown; id?: unknown }; threadId?: unknown; turnId?: unknown };
      if (item?.type !== 'dynamicToolCall' || typeof item.id !== 'string') return;
      // Call ids come from the model: only the same turn of the same thread means the same call.
      for (const pending of this.#running.values()) {
        if (pending.callId === item.id && pending.turnId === turnId && pending.threadId === threadId) {
          unwanted(pending, 'the server completed the tool call without this answer');
        }
      }
    }
  }

  /**
   * The SDK stopped waiting for the turn (it did not confirm an interrupt in time): its handlers'
   * signals fire, and the safe answer is sent, since the server may still wait for one.
   */
  endTurn(turnId: string): void {
    for (const pending of this.#running.values()) {
      if (pending.turnId === turnId) pending.controller.abort(new Error(`turn ${turnId} ended`));
    }
  }

  /** The connection was lost (the client reconnects): its requests can no longer be answered, their handlers' signals fire. */
  dropAll(reason: string): void {
    for (const pending of this.#running.values()) unwanted(pending, reason);
  }

  /** The client closed: every handler's signal fires, no deadline outlives the client, nothing more is reported or written. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#running.values()) unwanted(pending, 'the client closed');
  }

  /** The turn's handler, else the thread's, else the client's; for unknown methods, `onUnknown`. */
  #handlerFor(method: string, threadId: string | undefined, turnId: string | undefined): unknown {
    const onUnknown = this.#options.onUnknown;
    if (onUnknown !== undefined && !KNOWN_METHODS.has(method)) return (params: unknown, context: ServerRequestContext) => onUnknown(method, params, context);
    if (!KNOWN_METHODS.has(method)) return undefined;
    const key = method as ServerRequestMethod;
    const forTurn = turnId === undefined ? undefined : this.#options.handlersForTurn(turnId, threadId)?.[key];
    const forThread = threadId === undefined ? undefined : this.#options.handlersForThread(threadId)?.[key];
    return forTurn ?? forThread ?? this.#options.handlers[key];
  }
}

const CANCELLED: unique symbol = Symbol('cancelled');

/** Nobody waits for the answer any more: it is dropped, and the handler is told to stop. */
function unwanted(pending: Pending, reason: string): void {
  pending.unwanted = true;
  pending.controller.abort(new Error(reason));
}

interface Ids {
  readonly threadId: string | undefined;
  readonly turnId: string | undefined;
}

function idsOf(params: unknown): Ids {
  if (typeof params !== 'object' || params === null) return { threadId: undefined, turnId: undefined };
  const { threadId, turnId, conversationId } = params as Record<string, unknown>;
  return {
    threadId: typeof threadId === 'string' ? threadId : typeof conversationId === 'string' ? conversationId : undefined,
    turnId: typeof turnId === 'string' ? turnId : undefined,
  };
}

function callIdOf(params: unknown): string | undefined {
  const callId = typeof params === 'object' && params !== null ? (params as { callId?: unknown }).callId : undefined;
  return typeof callId === 'string' ? callId : undefined;
}

/** The first characters of `value` as JSON, or undefined when it cannot be written (too deep). */
function lineStartOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value ?? null).slice(0, LINE_START_CHARS);
  } catch {
    return undefined;
  }
}
