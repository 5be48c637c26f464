import { ProtocolError } from '../errors.js';
import type { ServerRequestMap, ServerRequestMethod } from '../generated/methods.js';
import { ServerRequestError } from '../rpc/connection.js';

export interface ServerRequestContext<M extends ServerRequestMethod = ServerRequestMethod> {
  readonly method: M;
  /** The server's id for this request. */
  readonly requestId: string | number;
  /** The thread the request is about, when its params name one. */
  readonly threadId: string | undefined;
  /** The turn the request is about, when its params name one. */
  readonly turnId: string | undefined;
  /** Fires when the handler's deadline passes; the safe answer has then been sent. */
  readonly signal: AbortSignal;
}

/** Answers one server request method; may be async. Throwing sends the safe answer instead. */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestMap[M]['params'],
  context: ServerRequestContext<M>,
) => ServerRequestMap[M]['response'] | Promise<ServerRequestMap[M]['response']>;

/** Handlers by server request method. Methods left out get the safe default. */
export type ServerRequestHandlers = { readonly [M in ServerRequestMethod]?: ServerRequestHandler<M> };

/** The answer sent when no handler answers: approvals declined, time told, anything else refused. */
export function safeAnswer(method: string, params: unknown): unknown {
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
    case 'currentTime/read':
      return { currentTimeAt: Math.floor(Date.now() / 1000) };
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
  /** Per-turn overrides, looked up by the turn id in the params. */
  readonly handlersForTurn: (turnId: string) => ServerRequestHandlers | undefined;
  /** Per-thread overrides, looked up by the thread id in the params. */
  readonly handlersForThread: (threadId: string) => ServerRequestHandlers | undefined;
  readonly timeoutMs: number;
  readonly onError: (error: ProtocolError) => void;
  /** Answers a request before any handler (local tools' `item/tool/call`); undefined passes it on. */
  readonly answerFirst?: (method: string, params: unknown) => Promise<unknown> | undefined;
}

/**
 * Routes each server request to its handler (the turn's, else the client's), enforces the
 * handler's deadline, and falls back to the safe answer when a handler throws or is late.
 * Handlers run concurrently with message reading: a slow one never blocks other messages.
 */
export class ServerRequestDispatcher {
  readonly #options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  async handle(method: string, params: unknown, requestId: string | number): Promise<unknown> {
    const first = this.#options.answerFirst?.(method, params);
    if (first !== undefined) return first;
    const ids = idsOf(params);
    const handler = this.#handlerFor(method, ids.threadId, ids.turnId);
    if (handler === undefined) return safeAnswer(method, params);
    const controller = new AbortController();
    const context: ServerRequestContext = {
      method: method as ServerRequestMethod,
      requestId,
      threadId: ids.threadId,
      turnId: ids.turnId,
      signal: controller.signal,
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`deadline of ${this.#options.timeoutMs} ms passed`));
        reject(new Error(`did not answer within ${this.#options.timeoutMs} ms`));
      }, this.#options.timeoutMs);
    });
    try {
      const answer = await Promise.race([
        Promise.resolve().then(() => (handler as (p: unknown, c: ServerRequestContext) => unknown)(params, context)),
        deadline,
      ]);
      return answer === undefined ? safeAnswer(method, params) : answer;
    } catch (error) {
      this.#options.onError(
        new ProtocolError(
          `The ${method} handler failed (${error instanceof Error ? error.message : String(error)}); sent the safe answer instead`,
          'handlerFailed',
          undefined,
          { cause: error },
        ),
      );
      return safeAnswer(method, params);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The turn's handler, else the thread's, else the client's. */
  #handlerFor(method: string, threadId: string | undefined, turnId: string | undefined): unknown {
    const key = method as ServerRequestMethod;
    const forTurn = turnId === undefined ? undefined : this.#options.handlersForTurn(turnId)?.[key];
    const forThread = threadId === undefined ? undefined : this.#options.handlersForThread(threadId)?.[key];
    return forTurn ?? forThread ?? this.#options.handlers[key];
  }
}

function idsOf(params: unknown): { threadId: string | undefined; turnId: string | undefined } {
  if (typeof params !== 'object' || params === null) return { threadId: undefined, turnId: undefined };
  const { threadId, turnId, conversationId } = params as Record<string, unknown>;
  return {
    threadId: typeof threadId === 'string' ? threadId : typeof conversationId === 'string' ? conversationId : undefined,
    turnId: typeof turnId === 'string' ? turnId : undefined,
  };
}
