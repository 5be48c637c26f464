import { AbortError, CodexError, InvalidArgumentError, ProtocolError, type TransportClosedError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod, Notification } from '../generated/methods.js';
import type {
  AccountLoginCompletedNotification,
  ClientInfo,
  DynamicToolSpec,
  GetAccountResponse,
  InitializeParams,
  InitializeResponse,
  LoginAccountResponse,
  Model,
  Thread as ThreadInfo,
  ThreadForkResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeResponse,
  ThreadStartResponse,
} from '../generated/protocol.js';
import { SCHEMA_CODEX_VERSION } from '../generated/version.js';
import type { IncomingNotification } from '../rpc/adapter.js';
import { RpcConnection, type CallOptions } from '../rpc/connection.js';
import { checkTrace, type TraceContext } from '../rpc/trace.js';
import type { ConfigObject } from '../transport/config-flags.js';
import { LINE_START_CHARS } from '../transport/jsonl.js';
import { planLaunch } from '../transport/launch.js';
import { addSecret, redact } from '../transport/stderr-tail.js';
import { StdioTransport } from '../transport/stdio.js';
import { Broadcast, type AsyncStream } from './broadcast.js';
import { toWireInput } from './inputs.js';
import { Listeners } from './listeners.js';
import { LoginFailedError, LoginRouter, type LoginHandle } from './login.js';
import { toWireParams, type ThreadForkOptions, type ThreadResumeOptions, type ThreadStartOptions } from './options.js';
import { ServerRequestDispatcher, type ServerRequestHandlers } from './server-requests.js';
import { redactProtocolError, redactTurnError } from './redaction.js';
import { Thread, type ThreadSession } from './thread.js';
import { ToolRegistry, toDynamicTools, type ToolSpec } from './tools.js';
import { checkCodexOptions, checkSessionOptions } from './validate.js';
import type { TurnControl } from './turn.js';
import { TurnRouter } from './turn-router.js';
import { SDK_VERSION } from '../version.js';

export interface CodexOptions {
  /** Path of a `codex` executable. Default: the native binary of the pinned `@openai/codex`. */
  readonly codexPath?: string;
  /** The whole argv to spawn instead (executable first), for tests and wrappers. `config` flags are appended. */
  readonly launchArgs?: readonly string[];
  /** Config overrides, each passed as `--config key=<TOML value>`; nested objects become dotted keys. */
  readonly config?: ConfigObject;
  /** Sets `CODEX_HOME` for the server: where config, auth and thread rollouts live. */
  readonly codexHome?: string;
  /** Working directory of the server process. */
  readonly cwd?: string;
  /** Environment variables merged over `process.env`; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Identifies this client to the server (and, as `originator`, to the model provider). */
  readonly clientInfo?: ClientInfo;
  /** Opt in to experimental methods and fields. Default true; fixed at initialize. */
  readonly experimentalApi?: boolean;
  /** Notification methods the server should not send at all. */
  readonly optOutNotificationMethods?: readonly string[];
  /** Deadline of a request that sets none, in ms. Default 120000. */
  readonly requestTimeoutMs?: number;
  /** Requests outstanding at once; more wait locally. Default 64, half the server's inbound queue. */
  readonly maxInFlightRequests?: number;
  /** Longest line accepted from the server, in characters; longer ones are skipped and reported. Default 64 MiB. */
  readonly maxMessageBytes?: number;
  /** Aborts startup; if it fires later, the client closes. */
  readonly signal?: AbortSignal;
  /** Receives warnings raised during startup and after (default: `process.emitWarning`). */
  readonly onWarning?: (warning: CodexWarning) => void;
  /**
   * Handlers for requests the server sends (approvals, user input, tool calls), by method.
   * Methods without a handler get the safe default: approvals declined, others refused.
   */
  readonly onServerRequest?: ServerRequestHandlers;
  /** How long a server-request handler may take before the safe answer is sent. Default 300000. */
  readonly serverRequestTimeoutMs?: number;
  /** Deadline of one local tool call (`tool()`), in ms, unless the tool sets its own. Default 300000. */
  readonly toolTimeoutMs?: number;
  /**
   * Called for every request; the W3C trace context it returns is sent with it (a per-call
   * `trace` wins). See `openTelemetryTrace()`.
   */
  readonly trace?: () => TraceContext | undefined;
}

export interface CodexWarning {
  /** `versionMismatch`: the server is not the version the bundled types were generated from. */
  readonly code: 'versionMismatch';
  readonly message: string;
}

export interface CodexEvents extends Record<string, unknown> {
  /** Something the server sent could not be used. Never fatal. */
  error: ProtocolError;
  warning: CodexWarning;
  /** The connection ended; every pending call has been rejected with this error. */
  close: TransportClosedError;
}

export interface RequestOptions {
  /** Rejects the call with `AbortError`. The server is not told (it has no cancellation). */
  readonly signal?: AbortSignal;
  /** Overrides `requestTimeoutMs` for this call. */
  readonly timeoutMs?: number;
  /** W3C trace context sent with this request (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null;
}

export interface NotificationsOptions {
  /** Ends the iteration with `AbortError`. */
  readonly signal?: AbortSignal;
}

type ParamsOf<M extends ClientRequestMethod> = ClientRequestMap[M]['params'];
type ResultOf<M extends ClientRequestMethod> = ClientRequestMap[M]['result'];
/** Params may be left out when the method takes none or all of its fields are optional. */
type RequestArgs<M extends ClientRequestMethod> = undefined extends ParamsOf<M>
  ? [params?: ParamsOf<M>, options?: RequestOptions]
  : Partial<ParamsOf<M>> extends ParamsOf<M>
    ? [params?: ParamsOf<M>, options?: RequestOptions]
    : [params: ParamsOf<M>, options?: RequestOptions];

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_SERVER_REQUEST_TIMEOUT_MS = 300_000;
const DEFAULT_TOOL_TIMEOUT_MS = 300_000;

/** Everything a client owns besides its connection; built before the connection so its callbacks can reach it. */
interface ClientParts {
  readonly listeners: Listeners<CodexEvents>;
  readonly subscribers: Set<Broadcast<Notification>>;
  readonly router: TurnRouter;
  readonly logins: LoginRouter;
  /** Values kept out of errors, error events, warnings and stderr tails (shared with the transport). */
  readonly secrets: string[];
  /** Local tools by thread, and their running calls. */
  readonly tools: ToolRegistry;
  readonly experimentalApi: boolean;
  readonly trace: (() => TraceContext | undefined) | undefined;
}

/**
 * A running `codex app-server` and the JSON-RPC connection to it.
 *
 * @example
 * await using codex = await Codex.start();
 * const { thread } = await codex.request('thread/start', {});
 */
export class Codex implements AsyncDisposable {
  /** What the server answered to `initialize`. */
  readonly metadata: InitializeResponse;
  /** The server's version, read from its user agent (undefined if it could not be read). */
  readonly serverVersion: string | undefined;

  readonly #connection: RpcConnection;
  readonly #transport: StdioTransport;
  readonly #parts: ClientParts;
  readonly #session: ThreadSession;
  #closing: Promise<void> | undefined;

  private constructor(connection: RpcConnection, transport: StdioTransport, metadata: InitializeResponse, parts: ClientParts) {
    this.#connection = connection;
    this.#transport = transport;
    this.metadata = metadata;
    this.#parts = parts;
    this.serverVersion = parseServerVersion(metadata.userAgent);
    const control: TurnControl = {
      interrupt: async (threadId, turnId) => {
        await this.request('turn/interrupt', { threadId, turnId });
      },
      steer: (threadId, turnId, input) => this.request('turn/steer', { threadId, expectedTurnId: turnId, input: toWireInput(input).input }),
    };
    this.#session = {
      request: (method, params, options) => this.rawRequest(method, params ?? {}, options) as never,
      router: parts.router,
      control,
    };
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the connected client. */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    checkCodexOptions(options);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError('Codex.start()', signal.reason);
    const launch = planLaunch(options);
    const transport = new StdioTransport({
      argv: launch.argv,
      cwd: launch.cwd,
      env: launch.env,
      secrets: launch.secrets,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    const parts: ClientParts = {
      listeners: new Listeners<CodexEvents>(),
      subscribers: new Set(),
      router: new TurnRouter(),
      logins: new LoginRouter(),
      secrets: launch.secrets,
      tools: new ToolRegistry({ timeoutMs: options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, redact: (text) => redact(text, launch.secrets) }),
      experimentalApi: options.experimentalApi ?? true,
      trace: options.trace,
    };
    const { listeners, subscribers, router, logins, secrets, tools } = parts;
    if (options.onWarning !== undefined) listeners.on('warning', options.onWarning);
    const reportError = (unredacted: ProtocolError): void => {
      const error = redactProtocolError(unredacted, secrets);
      if (!listeners.emit('error', error)) process.emitWarning(error.message, { code: `CODEX_SDK_${error.kind}` });
    };
    const dispatcher = new ServerRequestDispatcher({
      handlers: options.onServerRequest ?? {},
      handlersForTurn: (turnId) => router.handlersForTurn(turnId),
      handlersForThread: (threadId) => router.handlersForThread(threadId),
      timeoutMs: options.serverRequestTimeoutMs ?? DEFAULT_SERVER_REQUEST_TIMEOUT_MS,
      onError: reportError,
      answerFirst: (method, params) => (method === 'item/tool/call' ? tools.handle(params) : undefined),
    });
    const connection = new RpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT,
      redact: (text) => redact(text, secrets),
      onNotification: (incoming: IncomingNotification) => {
        const notification = incoming as Notification;
        redactTurnError(notification, secrets);
        try {
          router.route(notification);
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
      onClose: (error) => {
        router.failAll(error);
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
      const metadata = (await connection.request('initialize', params, { signal })) as InitializeResponse;
      connection.notify('initialized');
      const codex = new Codex(connection, transport, metadata, parts);
      codex.#checkVersion();
      if (signal !== undefined) {
        const onAbort = (): void => void codex.close();
        signal.addEventListener('abort', onAbort, { once: true });
        listeners.on('close', () => signal.removeEventListener('abort', onAbort));
      }
      return codex;
    } catch (error) {
      // Never leave a process behind when startup fails half-way.
      await transport.close();
      throw error;
    }
  }

  /** The server's process id. */
  get pid(): number | undefined {
    return this.#transport.pid;
  }

  /** True once the connection has ended. */
  get closed(): boolean {
    return this.#connection.closedError !== undefined;
  }

  /**
   * Sends any client request of the protocol, typed by method. Rejects with a `JsonRpcError`
   * subclass for an error answer, `RequestTimeoutError` past the deadline, `AbortError` when
   * `signal` fires, and `TransportClosedError` if the server goes away.
   */
  request<M extends ClientRequestMethod>(method: M, ...args: RequestArgs<M>): Promise<ResultOf<M>> {
    const [params, options] = args;
    return this.rawRequest(method, params ?? {}, options) as Promise<ResultOf<M>>;
  }

  /** Sends a request the bundled types do not know (a newer server's method). */
  rawRequest(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (typeof method !== 'string' || method.length === 0) {
      return Promise.reject(new InvalidArgumentError('method', 'must be a non-empty string'));
    }
    try {
      checkSessionOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    let trace: TraceContext | undefined;
    try {
      trace = options.trace === undefined ? checkTrace(this.#parts.trace?.(), 'trace (from the client trace provider)') : checkTrace(options.trace);
    } catch (error) {
      return Promise.reject(error);
    }
    const call: CallOptions = { signal: options.signal, timeoutMs: options.timeoutMs, trace };
    return this.#connection.request(method, params, call);
  }

  /**
   * Every server notification from the moment of this call, in order. Ends when the connection
   * closes; `break` unsubscribes.
   */
  notifications(options: NotificationsOptions = {}): AsyncStream<Notification> {
    checkSessionOptions(options);
    const { signal } = options;
    const broadcast = new Broadcast<Notification>();
    const onAbort = (): void => reader.fail(new AbortError('notifications()', signal?.reason));
    const reader = broadcast.subscribe(() => {
      this.#parts.subscribers.delete(broadcast);
      signal?.removeEventListener('abort', onAbort);
    });
    if (this.closed) {
      broadcast.end();
      return reader;
    }
    this.#parts.subscribers.add(broadcast);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return reader;
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof CodexEvents>(event: E, listener: (payload: CodexEvents[E]) => void): () => void {
    return this.#parts.listeners.on(event, listener);
  }

  /** Starts a new thread. Its approval mode defaults to `autoReview`. */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const params = toWireParams(options, 'autoReview', 'sandbox');
    const tools = this.#checkTools(options.tools);
    if (tools !== undefined) params.dynamicTools = [...((params.dynamicTools as unknown[] | null | undefined) ?? []), ...tools.specs];
    const response = await this.request('thread/start', params, requestOptions(options));
    if (tools !== undefined) this.#parts.tools.attach(response.thread.id, tools.tools);
    return this.#threadFor(response, options.onServerRequest);
  }

  /** Loads a stored thread (for example after a restart) so new turns continue its history. */
  async threadResume(threadId: string, options: ThreadResumeOptions = {}): Promise<Thread> {
    const params = { ...toWireParams(options, undefined, 'sandbox'), threadId: checkId(threadId) };
    const tools = this.#checkTools(options.tools);
    // Attached before the request: a call the server replays on resume may follow its answer at once.
    if (tools !== undefined) this.#parts.tools.attach(threadId, tools.tools);
    const response = await this.request('thread/resume', params, requestOptions(options));
    return this.#threadFor(response, options.onServerRequest);
  }

  /** Copies a thread's history into a new thread. */
  async threadFork(threadId: string, options: ThreadForkOptions = {}): Promise<Thread> {
    const params = { ...toWireParams(options, undefined, 'sandbox'), threadId: checkId(threadId) };
    const tools = this.#checkTools(options.tools);
    const response = await this.request('thread/fork', params, requestOptions(options));
    if (tools !== undefined) this.#parts.tools.attach(response.thread.id, tools.tools);
    return this.#threadFor(response, options.onServerRequest);
  }

  /** One page of stored threads; pass `nextCursor` back as `cursor` for the next page. */
  threadList(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return this.request('thread/list', params);
  }

  /** Moves a thread to the archive; it no longer shows in `threadList()` by default. */
  async threadArchive(threadId: string): Promise<void> {
    await this.request('thread/archive', { threadId: checkId(threadId) });
  }

  /** Brings a thread back from the archive. */
  async threadUnarchive(threadId: string): Promise<ThreadInfo> {
    return (await this.request('thread/unarchive', { threadId: checkId(threadId) })).thread;
  }

  /** Every model the server offers (all pages); hidden ones too with `includeHidden`. */
  async models(options: { readonly includeHidden?: boolean } = {}): Promise<Model[]> {
    const models: Model[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.request('model/list', { includeHidden: options.includeHidden ?? false, cursor: cursor ?? null });
      models.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return models;
  }

  /** The signed-in account, if any. */
  account(): Promise<GetAccountResponse> {
    return this.request('account/read', {});
  }

  /** Signs in with an OpenAI API key. */
  async loginApiKey(apiKey: string): Promise<void> {
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw new InvalidArgumentError('apiKey', 'must be a non-empty string');
    addSecret(this.#parts.secrets, apiKey);
    await this.request('account/login/start', { type: 'apiKey', apiKey });
  }

  /** Starts a ChatGPT browser login: open `authUrl`, then `await handle.wait()`. */
  async loginChatgpt(): Promise<LoginHandle & { readonly authUrl: string }> {
    const response = await this.request('account/login/start', { type: 'chatgpt' });
    const started = expectLogin(response, 'chatgpt');
    return { ...this.#loginHandle(started.loginId), authUrl: started.authUrl };
  }

  /** Starts a ChatGPT device-code login: show `userCode` and `verificationUrl`, then `await handle.wait()`. */
  async loginChatgptDeviceCode(): Promise<LoginHandle & { readonly userCode: string; readonly verificationUrl: string }> {
    const response = await this.request('account/login/start', { type: 'chatgptDeviceCode' });
    const started = expectLogin(response, 'chatgptDeviceCode');
    return { ...this.#loginHandle(started.loginId), userCode: started.userCode, verificationUrl: started.verificationUrl };
  }

  /** Signs out. */
  async logout(): Promise<void> {
    await this.request('account/logout');
  }

  /** Local tools, checked before anything is sent; they need the experimental API. */
  #checkTools(tools: readonly ToolSpec[] | undefined): { tools: readonly ToolSpec[]; specs: DynamicToolSpec[] } | undefined {
    if (tools === undefined) return undefined;
    const specs = toDynamicTools(tools);
    if (!this.#parts.experimentalApi) {
      throw new InvalidArgumentError('tools', 'need a client started with experimentalApi: true (the server refuses dynamic tools otherwise)');
    }
    return { tools, specs };
  }

  #threadFor(response: ThreadStartResponse | ThreadResumeResponse | ThreadForkResponse, handlers: ServerRequestHandlers | undefined): Thread {
    if (handlers !== undefined) this.#parts.router.setThreadHandlers(response.thread.id, handlers);
    return new Thread(this.#session, response);
  }

  #loginHandle(loginId: string): LoginHandle {
    const logins = this.#parts.logins;
    return {
      loginId,
      wait: async (options = {}) => {
        const completion: AccountLoginCompletedNotification = await logins.completion(loginId, options.signal);
        if (!completion.success) throw new LoginFailedError(loginId, completion);
        return completion;
      },
      cancel: () => this.request('account/login/cancel', { loginId }),
    };
  }

  /**
   * Ends the server: closes its stdin, then SIGTERM, then SIGKILL, and waits for it to exit.
   * Pending requests reject with `TransportClosedError`. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#connection.close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkVersion(): void {
    if (this.serverVersion === undefined || this.serverVersion === SCHEMA_CODEX_VERSION) return;
    const warning: CodexWarning = {
      code: 'versionMismatch',
      message:
        `codex app-server ${this.serverVersion} is not the version these types were generated from (${SCHEMA_CODEX_VERSION}); ` +
        'requests and notifications may not match their types.',
    };
    if (!this.#parts.listeners.emit('warning', warning)) process.emitWarning(warning.message, { code: 'CODEX_SDK_VERSION_MISMATCH' });
  }
}

function unusableNotification(notification: IncomingNotification, cause: unknown): ProtocolError {
  return new ProtocolError(
    `The app-server sent a ${notification.method} notification this client could not use (${cause instanceof Error ? cause.message : String(cause)})`,
    'invalidMessage',
    JSON.stringify(notification).slice(0, LINE_START_CHARS),
    { cause },
  );
}

function requestOptions(options: RequestOptions): RequestOptions {
  return {
    ...(options.signal && { signal: options.signal }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.trace !== undefined && { trace: options.trace }),
  };
}

function checkId(threadId: unknown): string {
  if (typeof threadId !== 'string' || threadId.length === 0) throw new InvalidArgumentError('threadId', 'must be a non-empty string');
  return threadId;
}

function expectLogin<T extends LoginAccountResponse['type']>(response: LoginAccountResponse, type: T): Extract<LoginAccountResponse, { type: T }> {
  if (response.type !== type) throw new CodexError(`account/login/start answered a ${response.type} login, expected ${type}`);
  return response as Extract<LoginAccountResponse, { type: T }>;
}

/** Reads `1.2.3` out of a user agent such as `my_client/0.169.0 (Debian 12; x86_64) ...`. */
export function parseServerVersion(userAgent: string): string | undefined {
  return /^[^/\s]+\/(\d+\.\d+\.\d+[^\s(]*)/.exec(userAgent)?.[1];
}
