import { ProtocolError, type TransportClosedError } from '../errors.js';
import type { ClientNotificationMethod, Notification } from '../generated/methods.js';
import type { InitializeParams, InitializeResponse } from '../generated/protocol.js';
import type { IncomingNotification } from '../rpc/adapter.js';
import { RpcConnection } from '../rpc/connection.js';
import { checkResult, invalidNotification } from '../rpc/validation.js';
import { jsonStart } from '../transport/jsonl.js';
import { redactPieces } from '../transport/stderr-tail.js';
import type { MessageTransport } from '../transport/transport.js';
import { SDK_VERSION } from '../version.js';
import { Broadcast } from './broadcast.js';
import type { CodexEvents, CodexSessionOptions } from './codex.js';
import { parseServerVersion } from './codex-version.js';
import { Listeners } from './listeners.js';
import { LoginRouter } from './login.js';
import { redactProtocolError, redactTurnError } from './redaction.js';
import { ServerRequestDispatcher } from './server-requests.js';
import { ToolRegistry } from './tools.js';
import type { TraceContext } from '../rpc/trace.js';
import type { TurnDefaults } from './thread.js';
import { TurnModel } from './turn-model.js';

// The session half of a client, whatever carries it: a spawned child's stdio (`Codex.start()`)
// or a WebSocket to a running server (`Codex.connect()`). Routing, server requests, the
// notification fan-out and the handshake are built here, once, for both.

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SERVER_REQUEST_TIMEOUT_MS = 300_000;
export const DEFAULT_STALL_TIMEOUT_MS = 300_000;
export const DEFAULT_INTERRUPT_GRACE_MS = 10_000;
export const DEFAULT_TOOL_TIMEOUT_MS = 300_000;

/** Everything a client owns besides its connection; built before the connection so its callbacks can reach it. */
export interface ClientParts {
  readonly listeners: Listeners<CodexEvents>;
  readonly subscribers: Set<Broadcast<Notification>>;
  readonly turns: TurnModel;
  readonly turnDefaults: TurnDefaults;
  readonly logins: LoginRouter;
  /** Values kept out of errors, error events, warnings and stderr tails (shared with the transport). */
  readonly secrets: string[];
  /** Check each result against its method's schema (`validateResults`). */
  readonly validateResults: boolean;
  /** Local tools by thread, and their running calls. */
  readonly tools: ToolRegistry;
  readonly experimentalApi: boolean;
  /** The client-wide trace context provider (`trace` option). */
  readonly trace: (() => TraceContext | undefined) | undefined;
}

export interface OpenedSession {
  readonly connection: RpcConnection;
  readonly metadata: InitializeResponse;
  readonly parts: ClientParts;
}

/**
 * Wires a JSON-RPC connection over `transport` to a fresh set of client parts, then sends
 * `initialize` and `initialized`. On failure the transport is closed before the error is thrown.
 */
export async function openSession(transport: MessageTransport, options: CodexSessionOptions, secrets: string[]): Promise<OpenedSession> {
  const parts: ClientParts = {
    listeners: new Listeners<CodexEvents>(),
    subscribers: new Set(),
    turns: new TurnModel(
      (method, params) => connection.request(method, params),
      (_threadId, turnId) => dispatcher.endTurn(turnId),
    ),
    turnDefaults: {
      turnTimeoutMs: options.turnTimeoutMs,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      interruptGraceMs: options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS,
    },
    logins: new LoginRouter(),
    secrets,
    validateResults: options.validateResults ?? true,
    tools: new ToolRegistry({ timeoutMs: options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, redact: (text) => redactPieces(text, secrets) }),
    experimentalApi: options.experimentalApi ?? true,
    trace: options.trace,
  };
  const { listeners, subscribers, turns, logins, tools } = parts;
  const { router } = turns;
  if (options.onWarning !== undefined) listeners.on('warning', options.onWarning);
  const reportError = (unredacted: ProtocolError): void => {
    const error = redactProtocolError(unredacted, secrets);
    if (!listeners.emit('error', error)) process.emitWarning(error.message, { code: `CODEX_SDK_${error.kind}` });
  };
  const dispatcher = new ServerRequestDispatcher({
    handlers: options.onServerRequest ?? {},
    handlersForTurn: (turnId, threadId) => router.handlersForTurn(turnId, threadId),
    holdTurn: (turnId) => router.handle(turnId)?.hold(),
    handlersForThread: (threadId) => router.handlersForThread(threadId),
    timeoutMs: options.serverRequestTimeoutMs ?? DEFAULT_SERVER_REQUEST_TIMEOUT_MS,
    onError: reportError,
    onUnknown: options.onUnknownServerRequest,
    answerFirst: (method, params) => (method === 'item/tool/call' ? tools.handle(params) : undefined),
  });
  let serverVersion: string | undefined;
  const connection = new RpcConnection(transport, {
    serverVersion: () => serverVersion,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT,
    redact: (text) => redactPieces(text, secrets),
    onNotification: (incoming: IncomingNotification) => {
      const notification = incoming as Notification;
      const invalid = options.validateNotifications === true ? invalidNotification(incoming) : undefined;
      if (invalid !== undefined) return reportError(invalid);
      redactTurnError(notification, secrets);
      try {
        turns.observe(notification);
        dispatcher.observe(notification);
        tools.observe(notification);
        if (notification.method === 'account/login/completed') logins.deliver(notification.params);
      } catch (cause) {
        // A notification whose params do not have the shape of its method. Thrown from here, it
        // would escape the transport's data handler: an uncaught exception, and the rest of the
        // chunk it came in lost.
        reportError(unusableNotification(incoming, cause));
      }
      for (const subscriber of subscribers) subscriber.push(notification);
    },
    onProtocolError: reportError,
    onServerRequest: (method, params, id) => dispatcher.handle(method, params, id),
    onClose: (error: TransportClosedError) => {
      turns.close(error);
      dispatcher.close();
      tools.closeAll(error);
      logins.failAll(error);
      for (const subscriber of subscribers) subscriber.end();
      subscribers.clear();
      listeners.emit('close', error);
    },
  });
  try {
    const params: InitializeParams = {
      clientInfo: { title: null, ...(options.clientInfo ?? { name: 'codex_app_server_sdk', version: SDK_VERSION }) },
      capabilities: {
        experimentalApi: parts.experimentalApi,
        optOutNotificationMethods: options.optOutNotificationMethods === undefined ? null : [...options.optOutNotificationMethods],
      },
    };
    const metadata = checkResult('initialize', await connection.request('initialize', params, { signal: options.signal })) as InitializeResponse;
    serverVersion = parseServerVersion(metadata.userAgent);
    connection.notify('initialized' satisfies ClientNotificationMethod);
    return { connection, metadata, parts };
  } catch (error) {
    // Never leave a process (or a socket) behind when startup fails half-way.
    await transport.close();
    throw error;
  }
}

function unusableNotification(notification: IncomingNotification, cause: unknown): ProtocolError {
  return new ProtocolError(
    `The app-server sent a ${notification.method} notification this client could not use (${cause instanceof Error ? cause.message : String(cause)})`,
    'invalidMessage',
    jsonStart(notification),
    { cause },
  );
}
