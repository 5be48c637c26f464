import { AbortError, InvalidArgumentError, type ProtocolError, type TransportClosedError } from '../errors.js';
import type { ClientRequestMap, ClientRequestMethod, Notification } from '../generated/methods.js';
import type { ClientInfo, InitializeParams, InitializeResponse } from '../generated/protocol.js';
import { SCHEMA_CODEX_VERSION } from '../generated/version.js';
import type { IncomingNotification } from '../rpc/adapter.js';
import { RpcConnection, ServerRequestError, type CallOptions } from '../rpc/connection.js';
import type { ConfigObject } from '../transport/config-flags.js';
import { planLaunch } from '../transport/launch.js';
import { StdioTransport } from '../transport/stdio.js';
import { Broadcast } from './broadcast.js';
import { Listeners } from './listeners.js';
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

/** Everything a client owns besides its connection; built before the connection so its callbacks can reach it. */
interface ClientParts {
  readonly listeners: Listeners<CodexEvents>;
  readonly subscribers: Set<Broadcast<Notification>>;
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
  #closing: Promise<void> | undefined;

  private constructor(connection: RpcConnection, transport: StdioTransport, metadata: InitializeResponse, parts: ClientParts) {
    this.#connection = connection;
    this.#transport = transport;
    this.metadata = metadata;
    this.#parts = parts;
    this.serverVersion = parseServerVersion(metadata.userAgent);
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the connected client. */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    validateOptions(options);
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
    };
    const { listeners, subscribers } = parts;
    if (options.onWarning !== undefined) listeners.on('warning', options.onWarning);
    const reportError = (error: ProtocolError): void => {
      if (!listeners.emit('error', error)) process.emitWarning(error.message, { code: `CODEX_SDK_${error.kind}` });
    };
    const connection = new RpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT,
      onNotification: (incoming: IncomingNotification) => {
        const notification = incoming as Notification;
        for (const subscriber of subscribers) subscriber.push(notification);
      },
      onProtocolError: reportError,
      onServerRequest: (method) => Promise.reject(new ServerRequestError(-32601, `${method} is not handled by this client`)),
      onClose: (error) => {
        for (const subscriber of subscribers) subscriber.end();
        subscribers.clear();
        listeners.emit('close', error);
      },
    });
    try {
      const params: InitializeParams = {
        clientInfo: { title: null, ...(options.clientInfo ?? { name: 'codex_app_server_sdk', version: SDK_VERSION }) },
        capabilities: {
          experimentalApi: options.experimentalApi ?? true,
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
    const call: CallOptions = { signal: options.signal, timeoutMs: options.timeoutMs };
    return this.#connection.request(method, params, call);
  }

  /**
   * Every server notification from the moment of this call, in order. Ends when the connection
   * closes; `break` unsubscribes.
   */
  notifications(options: NotificationsOptions = {}): AsyncIterableIterator<Notification, undefined> {
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

/** Reads `1.2.3` out of a user agent such as `my_client/0.169.0 (Debian 12; x86_64) ...`. */
export function parseServerVersion(userAgent: string): string | undefined {
  return /^[^/\s]+\/(\d+\.\d+\.\d+[^\s(]*)/.exec(userAgent)?.[1];
}

function validateOptions(options: CodexOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const positive = (name: keyof CodexOptions): void => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new InvalidArgumentError(name, `must be a positive number, got ${String(value)}`);
    }
  };
  positive('requestTimeoutMs');
  positive('maxInFlightRequests');
  positive('maxMessageBytes');
  for (const name of ['codexPath', 'codexHome', 'cwd'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidArgumentError(name, 'must be a non-empty string');
    }
  }
  if (options.launchArgs !== undefined && (!Array.isArray(options.launchArgs) || !options.launchArgs.every((a) => typeof a === 'string'))) {
    throw new InvalidArgumentError('launchArgs', 'must be an array of strings');
  }
}
