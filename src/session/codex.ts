import { AbortError, CodexError, InvalidArgumentError, type ProtocolError, type TransportClosedError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod, Notification, ServerNotificationMethod } from '../generated/methods.js';
import type {
  AccountLoginCompletedNotification,
  ClientInfo,
  DynamicToolSpec,
  GetAccountResponse,
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
import { isSupportedCodexVersion, parseServerVersion, SUPPORTED_CODEX_RANGE } from './codex-version.js';
import type { CallOptions } from '../rpc/connection.js';
import { checkResult } from '../rpc/validation.js';
import { checkTrace, type TraceContext } from '../rpc/trace.js';
import { planLaunch, type CodexSpawnOptions } from '../transport/launch.js';
import { addSecret, MIN_SECRET_PIECE } from '../transport/stderr-tail.js';
import { StdioTransport } from '../transport/stdio.js';
import type { MessageTransport } from '../transport/transport.js';
import { Broadcast, type AsyncStream } from './broadcast.js';
import { DEFAULT_MAX_MESSAGE_BYTES, openSession, type ClientParts, type OpenedSession } from './client-parts.js';
import { openRemoteTransport, redial, type CodexConnectOptions } from './connect.js';
import { checkReconnectOptions, Reconnector, type ReconnectEvent } from './reconnect.js';
import { LoginFailedError, type LoginHandle } from './login.js';
import { toWireParams, type ThreadForkOptions, type ThreadResumeOptions, type ThreadStartOptions } from './options.js';
import type { ServerRequestHandlers, UnknownServerRequestHandler } from './server-requests.js';
import { explainResumeFailure } from './resume.js';
import { Thread, type ThreadSession } from './thread.js';
import { checkBoolean, checkCodexOptions, checkListener, checkObject, checkSessionOptions } from './validate.js';
import { toDynamicTools, type ToolSpec } from './tools.js';

export type { CodexSpawnOptions } from '../transport/launch.js';

/** Options of the session itself, the same for `Codex.start()` and `Codex.connect()`. */
export interface CodexSessionOptions {
  /** Identifies this client to the server (and, as `originator`, to the model provider). */
  readonly clientInfo?: ClientInfo | undefined;
  /** Opt in to experimental methods and fields. Default true; fixed at initialize. */
  readonly experimentalApi?: boolean | undefined;
  /** Notification methods the server should not send at all (any string is accepted, for newer servers' methods). */
  readonly optOutNotificationMethods?: readonly (ServerNotificationMethod | (string & {}))[] | undefined;
  /** Deadline of a request that sets none, in ms. Default 120000. */
  readonly requestTimeoutMs?: number | undefined;
  /** Requests outstanding at once; more wait locally. Default 64, half the server's inbound queue. */
  readonly maxInFlightRequests?: number | undefined;
  /** Longest line accepted from the server, in characters; longer ones are skipped and reported. Default 64 MiB. */
  readonly maxMessageBytes?: number | undefined;
  /** Aborts startup (or connecting); if it fires later, the client closes. */
  readonly signal?: AbortSignal | undefined;
  /** Receives warnings raised during startup and after (default: `process.emitWarning`). */
  readonly onWarning?: ((warning: CodexWarning) => void) | undefined;
  /**
   * Handlers for requests the server sends (approvals, user input, tool calls), by method.
   * Methods without a handler get the safe default: approvals declined, others refused.
   */
  readonly onServerRequest?: ServerRequestHandlers | undefined;
  /**
   * Answers server requests whose method the SDK's types do not know (a newer codex's), instead
   * of refusing them with -32601. Its answer is sent unchecked.
   */
  readonly onUnknownServerRequest?: UnknownServerRequestHandler | undefined;
  /** How long a server-request handler may take before the safe answer is sent. Default 300000. */
  readonly serverRequestTimeoutMs?: number | undefined;
  /** Default `timeoutMs` of every turn: the deadline of the whole turn, in ms. Default: none. */
  readonly turnTimeoutMs?: number | undefined;
  /**
   * Default `stallTimeoutMs` of every turn: a turn that makes no progress but retry errors (the
   * model provider unreachable) for this long ends with `TurnTimeoutError`. Default 300000;
   * `Infinity` turns it off.
   */
  readonly stallTimeoutMs?: number | undefined;
  /**
   * After the SDK interrupts a turn (abort, deadline, stall), how long it waits for the server to
   * confirm the stop before it settles anyway. The thread then counts as busy until the server
   * says it is idle. Default 10000.
   */
  readonly interruptGraceMs?: number | undefined;
  /**
   * Check every result against its method's schema; a mismatch rejects with `InvalidResponseError`.
   * Default true. (Server requests' params and handlers' answers are always checked.)
   */
  readonly validateResults?: boolean | undefined;
  /**
   * Check every notification's params against its method's schema; a mismatch is reported as a
   * `ProtocolError` (kind `invalidMessage`) and the notification dropped. Default false: it costs
   * time on the hot path (see BENCHMARKS.md).
   */
  readonly validateNotifications?: boolean | undefined;
  /** Deadline of one local tool call (`tool()`), in ms, unless the tool sets its own. Default 300000. */
  readonly toolTimeoutMs?: number | undefined;
  /**
   * Called for every request; the W3C trace context it returns is sent with it (a per-call
   * `trace` wins). See `openTelemetryTrace()`.
   */
  readonly trace?: (() => TraceContext | undefined) | undefined;
}

export interface CodexOptions extends CodexSpawnOptions, CodexSessionOptions {}

export interface CodexWarning {
  /**
   * `versionMismatch`: the server's version is outside the range this SDK supports (see COMPATIBILITY.md).
   * `tokenIgnored`: a token was given for a `unix://` server, which does not check tokens.
   */
  readonly code: 'versionMismatch' | 'tokenIgnored';
  readonly message: string;
}

export interface CodexEvents extends Record<string, unknown> {
  /** Something the server sent could not be used. Never fatal. */
  error: ProtocolError;
  warning: CodexWarning;
  /** The connection ended; every pending call has been rejected with this error. */
  close: TransportClosedError;
  /**
   * With `reconnect`: the connection dropped and the client is reconnecting. Calls in flight
   * (and calls made until `reconnect`) rejected with this error; running turns wait.
   */
  disconnected: TransportClosedError;
  /** With `reconnect`: connected again, threads resumed, running turns brought up to date. */
  reconnect: ReconnectEvent;
}

export interface RequestOptions {
  /** Rejects the call with `AbortError`. The server is not told (it has no cancellation). */
  readonly signal?: AbortSignal | undefined;
  /** Overrides `requestTimeoutMs` for this call. */
  readonly timeoutMs?: number | undefined;
  /** W3C trace context sent with this request (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null | undefined;
}

export interface NotificationsOptions {
  /** Ends the iteration with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
}

type ParamsOf<M extends ClientRequestMethod> = ClientRequestMap[M]['params'];
type ResultOf<M extends ClientRequestMethod> = ClientRequestMap[M]['result'];
/** Params may be left out when the method takes none or all of its fields are optional. */
type RequestArgs<M extends ClientRequestMethod> = undefined extends ParamsOf<M>
  ? [params?: ParamsOf<M>, options?: RequestOptions]
  : Partial<ParamsOf<M>> extends ParamsOf<M>
    ? [params?: ParamsOf<M>, options?: RequestOptions]
    : [params: ParamsOf<M>, options?: RequestOptions];

const EVENTS: readonly (keyof CodexEvents & string)[] = ['error', 'warning', 'close', 'disconnected', 'reconnect'];

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

  readonly #transport: MessageTransport;
  readonly #parts: ClientParts;
  readonly #session: ThreadSession;
  #closing: Promise<void> | undefined;

  private constructor(transport: MessageTransport, metadata: InitializeResponse, parts: ClientParts) {
    this.#transport = transport;
    this.metadata = metadata;
    this.#parts = parts;
    this.serverVersion = parseServerVersion(metadata.userAgent);
    this.#session = {
      request: (method, params, options) => this.rawRequest(method, params ?? {}, options) as never,
      router: parts.turns.router,
      trackers: parts.turns.trackers,
      control: parts.turns.control,
      defaults: parts.turnDefaults,
    };
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the connected client. */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    checkCodexOptions(options);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError('Codex.start()', signal.reason);
    // The native binary is resolved here only: clients that only connect never need it.
    const launch = planLaunch(options);
    const transport = new StdioTransport({
      argv: launch.argv,
      cwd: launch.cwd,
      env: launch.env,
      secrets: launch.secrets,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    return await Codex.#open(await openSession(transport, options, launch.secrets), transport, signal);
  }

  /**
   * Connects to a running app-server (`codex app-server --listen ws://…` or `unix://…`, or the
   * daemon's control socket with a bare `unix://`), sends `initialize`, and returns the same
   * client as `start()`. Rejects with `AuthenticationError` when the server refuses the token,
   * `ConnectionError` when it cannot be reached.
   */
  static async connect(options: CodexConnectOptions): Promise<Codex> {
    const reconnect = checkReconnectOptions((options as Partial<CodexConnectOptions> | undefined)?.reconnect);
    const { transport, secrets } = await openRemoteTransport(options);
    const session = await openSession(transport, options, secrets);
    if (reconnect !== undefined) new Reconnector(session.parts, options, reconnect, (signal) => redial(options, session.parts, signal));
    return await Codex.#open(session, transport, options.signal);
  }

  static async #open(session: OpenedSession, transport: MessageTransport, signal: AbortSignal | undefined): Promise<Codex> {
    // An abort that landed after initialize answered, before the listener below: startup is aborted.
    if (signal?.aborted) {
      await transport.close();
      throw new AbortError('Codex.start()', signal.reason);
    }
    const codex = new Codex(transport, session.metadata, session.parts);
    codex.#checkVersion();
    if (signal !== undefined) {
      const onAbort = (): void => void codex.close();
      signal.addEventListener('abort', onAbort, { once: true });
      session.parts.listeners.on('close', () => signal.removeEventListener('abort', onAbort));
    }
    return codex;
  }

  /** The server's process id (undefined for a server reached by `connect()`). */
  get pid(): number | undefined {
    return this.#transport.pid;
  }

  /** True once the connection has ended. */
  get closed(): boolean {
    return this.#parts.link.closedError !== undefined;
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

  /**
   * Sends a request the bundled types do not know (a newer server's method). Omitted params are
   * sent as `{}`, as `request()` does.
   */
  rawRequest(method: string, params: unknown = {}, options: RequestOptions = {}): Promise<unknown> {
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
    const pending = this.#parts.link.connection!.request(method, params, call);
    if (method === 'thread/unsubscribe') void pending.then(() => this.#parts.turns.unsubscribed((params as { threadId: string }).threadId), () => undefined);
    return this.#parts.validateResults ? pending.then((result) => checkResult(method, result)) : pending;
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
    checkListener(event, listener, EVENTS);
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
    // Resuming a thread whose goal is active starts a turn at once: turns wait for the goal's snapshot.
    const withdraw = this.#parts.turns.trackers.get(params.threadId).expectServerTurn();
    const response = await this.request('thread/resume', params, requestOptions(options)).catch(async (error: unknown) => {
      withdraw();
      throw await explainResumeFailure(error, params.threadId, (method, p) => this.rawRequest(method, p));
    });
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
  async threadList(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    checkObject(params, 'params');
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
  async models(options: { readonly includeHidden?: boolean | undefined } = {}): Promise<Model[]> {
    checkObject(options, 'options');
    checkBoolean(options.includeHidden, 'includeHidden');
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
    // Keys this short are not real keys, and could not be redacted without blanking out words.
    if (apiKey.length < MIN_SECRET_PIECE) throw new InvalidArgumentError('apiKey', `is too short to be an API key (under ${MIN_SECRET_PIECE} characters)`);
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
    if (handlers !== undefined) this.#parts.turns.router.setThreadHandlers(response.thread.id, handlers);
    this.#parts.loadedThreads.add(response.thread.id);
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
   * For a client from `connect()`, closes the connection only; the server keeps running.
   * When it resolves, `closed` is true, the `close` event has fired, and every pending request,
   * turn, `run()` and iterator has settled (with `TransportClosedError`). Safe to call more than once.
   */
  close(): Promise<void> {
    const { link } = this.#parts;
    this.#closing ??= (link.close?.() ?? link.connection!.close()).then(settledAfterClose);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkVersion(): void {
    if (this.serverVersion === undefined || isSupportedCodexVersion(this.serverVersion)) return;
    const warning: CodexWarning = {
      code: 'versionMismatch',
      message:
        `codex app-server ${this.serverVersion} is outside the versions this SDK supports (${SUPPORTED_CODEX_RANGE.min} to ${SUPPORTED_CODEX_RANGE.max}; ` +
        `its types come from ${SCHEMA_CODEX_VERSION}); requests and notifications may not match their types.`,
    };
    if (!this.#parts.listeners.emit('warning', warning)) process.emitWarning(warning.message, { code: 'CODEX_SDK_VERSION_MISMATCH' });
  }
}

/**
 * Lets every reaction to the close run first: rejected calls, failed turns and ended iterators
 * settle in promise callbacks, and one macrotask turn runs all of those that are ready.
 */
function settledAfterClose(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

export { parseServerVersion } from './codex-version.js';
