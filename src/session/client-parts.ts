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
  readonly dispatcher: ServerRequestDispatcher;
  /** Threads this client started, resumed or forked: resumed again after a reconnect. */
  readonly loadedThreads: Set<string>;
  /** Reports something unusable the server sent (the `error` event, else a process warning). */
  readonly reportError: (error: ProtocolError) => void;
  /** The connection in use: replaced when the client reconnects. */
  readonly link: SessionLink;
  /** One notification through the client's whole path (turns, server requests, subscribers). */
  feed(notification: Notification): void;
  /** The connection is gone for good: every turn, handler, login and subscriber ends with `error`. Idempotent. */
  finish(error: TransportClosedError): void;
}

/** The current connection, and how a drop of it is handled. */
export interface SessionLink {
  connection: RpcConnection | undefined;
  /** Set once the client is closed for good (not while it reconnects). */
  closedError: TransportClosedError | undefined;
  /**
   * The connection ended unexpectedly: return true when it will be replaced (the client
   * reconnects); false closes the client. Unset: always closes.
   */
  onDrop?: ((error: TransportClosedError) => boolean) | undefined;
  /** Closes the client; set up by whoever owns the reconnection, else closes the connection. */
  close?: (() => Promise<void>) | undefined;
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
  const parts = createParts(options, secrets);
  const { connection, metadata } = await attach(transport, parts, options, options.signal);
  return { connection, metadata, parts };
}

/** Everything of a client but its connection: kept across reconnections. */
export function createParts(options: CodexSessionOptions, secrets: string[]): ClientParts {
  const link: SessionLink = { connection: undefined, closedError: undefined };
  const listeners = new Listeners<CodexEvents>();
  const subscribers = new Set<Broadcast<Notification>>();
  const logins = new LoginRouter();
  const tools = new ToolRegistry({ timeoutMs: options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, redact: (text) => redactPieces(text, secrets) });
  const send = (method: string, params: unknown): Promise<unknown> => {
    const connection = link.connection;
    return connection === undefined ? Promise.reject(new ProtocolError(`${method}: not connected`, 'invalidMessage', undefined)) : connection.request(method, params);
  };
  const turns = new TurnModel(send, (_threadId, turnId) => dispatcher.endTurn(turnId));
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
  const parts: ClientParts = {
    listeners,
    subscribers,
    turns,
    turnDefaults: {
      turnTimeoutMs: options.turnTimeoutMs,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      interruptGraceMs: options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS,
    },
    logins,
    secrets,
    validateResults: options.validateResults ?? true,
    tools,
    experimentalApi: options.experimentalApi ?? true,
    trace: options.trace,
    dispatcher,
    loadedThreads: turns.loadedThreads,
    reportError,
    link,
    feed: (notification) => {
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
        reportError(unusableNotification(notification as IncomingNotification, cause));
      }
      for (const subscriber of subscribers) subscriber.push(notification);
    },
    finish: (error) => {
      if (link.closedError !== undefined) return;
      link.closedError = error;
      turns.close(error);
      dispatcher.close();
      tools.closeAll(error);
      logins.failAll(error);
      for (const subscriber of subscribers) subscriber.end();
      subscribers.clear();
      listeners.emit('close', error);
    },
  };
  return parts;
}

/**
 * Wires a JSON-RPC connection over `transport` to the client's parts (it becomes the current
 * connection), then sends `initialize` and `initialized`. On failure the transport is closed
 * before the error is thrown.
 */
export async function attach(
  transport: MessageTransport,
  parts: ClientParts,
  options: CodexSessionOptions,
  signal: AbortSignal | undefined,
): Promise<{ connection: RpcConnection; metadata: InitializeResponse }> {
  const { link, reportError } = parts;
  let serverVersion: string | undefined;
  const connection: RpcConnection = new RpcConnection(transport, {
    serverVersion: () => serverVersion,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT,
    redact: (text) => redactPieces(text, parts.secrets),
    onNotification: (incoming: IncomingNotification) => {
      const invalid = options.validateNotifications === true ? invalidNotification(incoming) : undefined;
      if (invalid !== undefined) return reportError(invalid);
      parts.feed(incoming as Notification);
    },
    onProtocolError: reportError,
    onServerRequest: (method, params, id) => parts.dispatcher.handle(method, params, id),
    onClose: (error: TransportClosedError) => {
      // Only the current connection's end matters: one replaced (or never used) ends quietly.
      if (link.connection !== connection) return;
      if (link.onDrop?.(error) === true) {
        // Its server requests and tool calls can no longer be answered: their signals fire
        // (the server sends those still pending again to the connection that resumes).
        parts.dispatcher.dropAll('the connection was lost');
        parts.tools.dropAll('the connection was lost');
        return;
      }
      parts.finish(error);
    },
  });
  const previous = link.connection;
  link.connection = connection;
  try {
    const params: InitializeParams = {
      clientInfo: { title: null, ...(options.clientInfo ?? { name: 'codex_app_server_sdk', version: SDK_VERSION }) },
      capabilities: {
        experimentalApi: parts.experimentalApi,
        optOutNotificationMethods: options.optOutNotificationMethods === undefined ? null : [...options.optOutNotificationMethods],
      },
    };
    const metadata = checkResult('initialize', await connection.request('initialize', params, { signal })) as InitializeResponse;
    serverVersion = parseServerVersion(metadata.userAgent);
    connection.notify('initialized' satisfies ClientNotificationMethod);
    return { connection, metadata };
  } catch (error) {
    // Never leave a process (or a socket) behind when startup fails half-way.
    if (previous !== undefined) link.connection = previous;
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
