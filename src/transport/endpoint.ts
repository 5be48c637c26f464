import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** Where `Codex.connect()` dials, worked out from its `url`. */
export interface Endpoint {
  readonly kind: 'ws' | 'wss' | 'unix';
  /** What the `ws` package dials: `ws://…`, `wss://…`, or `ws+unix://PATH:/` for a Unix socket. */
  readonly address: string;
  /** The URL as shown in errors: normalized, never with credentials. */
  readonly display: string;
  /** A loopback host (or a Unix socket): a token sent to it never crosses a network. */
  readonly local: boolean;
}

/** Where `codex app-server daemon` listens, under a CODEX_HOME. */
export function controlSocketPath(codexHome: string): string {
  return path.join(codexHome, 'app-server-control', 'app-server-control.sock');
}

/**
 * Reads `ws://HOST:PORT`, `wss://HOST:PORT/PATH`, `unix://PATH` (relative paths against the
 * working directory) and bare `unix://`: the daemon's control socket under `codexHome`, else
 * `CODEX_HOME`, else `~/.codex`.
 */
export function parseEndpoint(url: unknown, codexHome: string | undefined): Endpoint {
  const text = url instanceof URL ? url.href : url;
  if (typeof text !== 'string' || text.length === 0) throw new InvalidArgumentError('url', 'must be a non-empty string or URL');
  if (/^unix:\/\//i.test(text)) return unixEndpoint(text.slice('unix://'.length), codexHome);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InvalidArgumentError('url', 'is not a URL; use ws://HOST:PORT, wss://HOST:PORT or unix://PATH');
  }
  const kind = parsed.protocol.slice(0, -1);
  if (kind !== 'ws' && kind !== 'wss') {
    throw new InvalidArgumentError('url', `has scheme ${parsed.protocol}; use ws://, wss:// or unix://`);
  }
  // Credentials in a URL end up in logs and error messages: they belong in `token`.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidArgumentError('url', 'must not carry credentials (user:password@); pass a token instead');
  }
  return { kind, address: parsed.href, display: parsed.href, local: isLoopback(parsed.hostname) };
}

function unixEndpoint(rest: string, codexHome: string | undefined): Endpoint {
  const home = codexHome ?? process.env.CODEX_HOME ?? path.join(os.homedir(), '.codex');
  const socketPath = rest === '' ? controlSocketPath(path.resolve(home)) : path.resolve(decodeURIComponent(rest));
  // The `ws` package takes the socket path up to the first ':' of `ws+unix://PATH:/`.
  if (socketPath.includes(':')) throw new InvalidArgumentError('url', `socket path ${JSON.stringify(socketPath)} must not contain ':'`);
  return { kind: 'unix', address: `ws+unix://${socketPath}:/`, display: `unix://${socketPath}`, local: true };
}

/** `localhost`, 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
  return false;
}
