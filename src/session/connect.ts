import { AbortError, InvalidArgumentError } from '../errors.js';
import { bearerToken, hasControlCharacter, type SignedTokenOptions } from '../transport/auth.js';
import { parseEndpoint } from '../transport/endpoint.js';
import type { KeepAliveSettings } from '../transport/keepalive.js';
import { addSecret } from '../transport/stderr-tail.js';
import type { MessageTransport } from '../transport/transport.js';
import { WebSocketTransport, type WebSocketTlsOptions } from '../transport/websocket.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './client-parts.js';
import type { CodexSessionOptions, CodexWarning } from './codex.js';
import type { ClientParts } from './client-parts.js';
import type { ReconnectOptions } from './reconnect.js';
import { checkCodexOptions, checkObject, describe } from './validate.js';

export interface CodexConnectOptions extends CodexSessionOptions {
  /**
   * The server: `ws://HOST:PORT`, `wss://HOST:PORT[/PATH]`, `unix://PATH`, or bare `unix://`
   * for the daemon's control socket (`$CODEX_HOME/app-server-control/app-server-control.sock`).
   */
  readonly url: string | URL;
  /** A capability token (server: `--ws-auth capability-token`), sent as `Authorization: Bearer`. */
  readonly token?: string | undefined;
  /** A file holding the capability token, e.g. the server's own `--ws-token-file`. */
  readonly tokenFile?: string | undefined;
  /** Mints a short-lived HS256 JWT per connection (server: `--ws-auth signed-bearer-token`). */
  readonly signedToken?: SignedTokenOptions | undefined;
  /** More headers for the upgrade request. `Origin` is refused: the server rejects it. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** TLS settings for `wss://` (a private `ca`, a client certificate, ...). */
  readonly tls?: WebSocketTlsOptions | undefined;
  /**
   * Allows sending a token over plain `ws://` to a host that is not loopback, where anyone on
   * the path can read it. Prefer `wss://` or an SSH tunnel. Default false.
   */
  readonly allowInsecureToken?: boolean | undefined;
  /** CODEX_HOME whose control socket a bare `unix://` means. Default: `CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string | undefined;
  /** How long the TCP connect and WebSocket upgrade may take, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * After an unexpected drop, dial again (with backoff), re-initialize, resume the threads this
   * client loaded and let running turns go on (see README, "Surviving a dropped connection").
   * Default false: a drop closes the client.
   */
  readonly reconnect?: boolean | ReconnectOptions | undefined;
  /**
   * Pings the server (WebSocket ping frames) so that a connection that silently died (a
   * half-open TCP connection) ends instead of hanging: when no pong comes in time, the
   * connection counts as dropped (`TransportClosedError` naming "no pong within N ms", or a
   * reconnect with `reconnect` on). Default `{ intervalMs: 30000, timeoutMs: 10000 }`;
   * `false` never pings.
   */
  readonly keepAlive?: boolean | KeepAliveOptions | undefined;
}

/** `keepAlive` option of `Codex.connect()`. */
export interface KeepAliveOptions {
  /** Time between pings, in ms. Default 30000. */
  readonly intervalMs?: number | undefined;
  /** How long to wait for the pong before the connection counts as lost, in ms. Default 10000. */
  readonly timeoutMs?: number | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEP_ALIVE: KeepAliveSettings = { intervalMs: 30_000, timeoutMs: 10_000 };
/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Options of `Codex.start()` that mean nothing for a server someone else started. */
const SPAWN_ONLY = ['codexPath', 'launchArgs', 'config', 'cwd', 'env', 'commandEnvironment'] as const;

/**
 * Checks the options, works out the credentials and dials the server. Returns the open
 * transport and the values to keep out of every message (the token among them).
 */
export async function openRemoteTransport(options: CodexConnectOptions): Promise<{ transport: MessageTransport; secrets: string[] }> {
  checkObject(options, 'options');
  if (options === undefined) throw new InvalidArgumentError('options', 'must be an object with a url');
  checkCodexOptions(options);
  for (const name of SPAWN_ONLY) {
    if ((options as unknown as Record<string, unknown>)[name] !== undefined) {
      throw new InvalidArgumentError(name, 'applies to Codex.start() only: Codex.connect() reaches a server that is already running');
    }
  }
  const positive = (name: 'connectTimeoutMs'): void => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) throw new InvalidArgumentError(name, `must be a positive number, got ${describe(value)}`);
  };
  positive('connectTimeoutMs');
  const keepAlive = checkKeepAlive(options.keepAlive);
  const endpoint = parseEndpoint(options.url, options.codexHome);
  const headers = checkHeaders(options.headers);
  checkObject(options.tls, 'tls');
  const { signal } = options;
  if (signal?.aborted) throw new AbortError('Codex.connect()', signal.reason);

  const token = await bearerToken(options);
  const secrets: string[] = [];
  if (token !== undefined) {
    if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      throw new InvalidArgumentError('headers.Authorization', 'cannot be combined with token, tokenFile or signedToken');
    }
    headers.Authorization = `Bearer ${token}`;
  }
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'authorization') addSecret(secrets, value.replace(/^Bearer\s+/i, ''));
  const sendsCredentials = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  if (sendsCredentials && endpoint.kind === 'ws' && !endpoint.local && options.allowInsecureToken !== true) {
    throw new InvalidArgumentError(
      'url',
      `${endpoint.display} is plain ws:// to a host that is not loopback: the token would cross the network in clear text. ` +
        'Use wss://, or an SSH tunnel to a loopback port, or set allowInsecureToken: true',
    );
  }
  if (endpoint.kind === 'unix' && token !== undefined) {
    warn(options, {
      code: 'tokenIgnored',
      message: `${endpoint.display} is a Unix socket: the app-server ignores tokens there, the socket's file permissions are its access control`,
    });
  }
  const transport = await WebSocketTransport.open({
    endpoint,
    headers,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    tls: options.tls,
    handshakeTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    signal,
    keepAlive,
  });
  return { transport, secrets };
}

/** Dials the same server again for a reconnect; a freshly minted token joins the client's secrets. */
export async function redial(options: CodexConnectOptions, parts: ClientParts, signal: AbortSignal): Promise<MessageTransport> {
  // Warnings were given at the first connect.
  const { transport, secrets } = await openRemoteTransport({ ...options, signal, onWarning: () => undefined });
  for (const secret of secrets) addSecret(parts.secrets, secret);
  return transport;
}

/** The keep-alive settings, or undefined for none; `InvalidArgumentError` for anything else. */
export function checkKeepAlive(value: unknown): KeepAliveSettings | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return DEFAULT_KEEP_ALIVE;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('keepAlive', `must be true, false or an object { intervalMs, timeoutMs }, got ${describe(value)}`);
  }
  const ms = (name: keyof KeepAliveOptions): number => {
    const n = (value as KeepAliveOptions)[name];
    if (n === undefined) return DEFAULT_KEEP_ALIVE[name];
    if (typeof n !== 'number' || !(n > 0) || n > MAX_TIMER_MS) {
      throw new InvalidArgumentError(`keepAlive.${name}`, `must be a positive number of milliseconds, at most ${MAX_TIMER_MS}, got ${describe(n)}`);
    }
    return n;
  };
  return { intervalMs: ms('intervalMs'), timeoutMs: ms('timeoutMs') };
}

function checkHeaders(value: unknown): Record<string, string> {
  checkObject(value, 'headers');
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries((value ?? {}) as object)) {
    if (typeof header !== 'string') throw new InvalidArgumentError(`headers.${name}`, `must be a string, got ${describe(header)}`);
    if (hasControlCharacter(header)) throw new InvalidArgumentError(`headers.${name}`, 'must not contain control characters or line breaks');
    // codex refuses upgrades that carry an Origin (a browser page must not reach it).
    if (name.toLowerCase() === 'origin') throw new InvalidArgumentError('headers.Origin', 'is refused by the app-server; leave it out');
    headers[name] = header;
  }
  return headers;
}

function warn(options: CodexConnectOptions, warning: CodexWarning): void {
  if (options.onWarning !== undefined) options.onWarning(warning);
  else process.emitWarning(warning.message, { code: 'CODEX_SDK_TOKEN_IGNORED' });
}
