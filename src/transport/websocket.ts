import type { IncomingMessage } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import { AbortError, AuthenticationError, ConnectionError, ProtocolError } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import { LINE_START_CHARS } from './jsonl.js';
import { Heartbeat, type KeepAliveSettings } from './keepalive.js';
import type { MessageTransport, TransportEnd, TransportHandlers } from './transport.js';

/** TLS settings for `wss://`: a private CA, a client certificate, the name to verify. */
export type WebSocketTlsOptions = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'rejectUnauthorized' | 'servername'>;

export interface WebSocketTransportOptions {
  readonly endpoint: Endpoint;
  /** Sent with the upgrade request (`Authorization` among them). Never an `Origin`: codex refuses it. */
  readonly headers: Readonly<Record<string, string>>;
  /** Frames longer than this many bytes are skipped and reported. */
  readonly maxMessageBytes: number;
  readonly tls: WebSocketTlsOptions | undefined;
  /** How long the TCP connect plus the HTTP upgrade may take. */
  readonly handshakeTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** Ping the server, and drop the connection when it stops answering; undefined: never ping. */
  readonly keepAlive?: KeepAliveSettings | undefined;
}

/** How long `close()` waits for the closing handshake before dropping the socket. */
const CLOSE_GRACE_MS = 2_000;
/** The smallest frame that closes the connection instead of being skipped. */
const HARD_FRAME_FLOOR_BYTES = 16 * 1024 * 1024;
/** How much of a refused upgrade's body is kept for the error. */
const REFUSAL_BODY_CHARS = 300;

/**
 * The app-server over a WebSocket, on TCP (`ws://`, `wss://`) or a Unix socket: one JSON-RPC
 * message per text frame. A frame that cannot be used is reported and skipped; the connection
 * stays up. `open()` resolves once the upgrade succeeded.
 */
export class WebSocketTransport implements MessageTransport {
  readonly pid = undefined;
  readonly #socket: WebSocket;
  readonly #options: WebSocketTransportOptions;
  #handlers: TransportHandlers | undefined;
  /** Frames that arrived before `start()`. */
  #early: { data: Buffer; binary: boolean }[] = [];
  #end: TransportEnd | undefined;
  #lastError: Error | undefined;
  /** Set when the client itself dropped the connection (no pong): the reason its end gives. */
  #dropReason: string | undefined;
  #heartbeat: Heartbeat | undefined;
  #closing: Promise<void> | undefined;
  readonly #closed: Promise<void>;

  private constructor(socket: WebSocket, options: WebSocketTransportOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // An 'error' without a listener would be thrown; a 'close' always follows it.
    socket.on('error', (error) => (this.#lastError = error));
    socket.on('message', (data: Buffer, binary: boolean) => {
      this.#heartbeat?.heard();
      if (this.#handlers === undefined) this.#early.push({ data, binary });
      else this.#deliver(data, binary);
    });
    socket.once('close', (code: number, reason: Buffer) => {
      this.#heartbeat?.stop();
      this.#end = this.#endInfo(code, reason.toString('utf8'));
      this.#handlers?.end(this.#end);
    });
  }

  /** Dials the endpoint. Rejects with `AuthenticationError`, `ConnectionError` or `AbortError`. */
  static open(options: WebSocketTransportOptions): Promise<WebSocketTransport> {
    const { endpoint, signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortError('Codex.connect()', signal.reason));
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(endpoint.address, {
        headers: { ...options.headers },
        handshakeTimeout: options.handshakeTimeoutMs,
        // Oversized frames are skipped one by one (see #deliver); only a frame far past the
        // limit closes the connection, so a runaway frame cannot exhaust memory.
        maxPayload: Math.min(Math.max(options.maxMessageBytes * 4, HARD_FRAME_FLOOR_BYTES), 2 ** 31 - 1),
        perMessageDeflate: false,
        // Decoded like stdio: invalid bytes become U+FFFD in that one message instead of `ws`
        // closing the whole connection (1007), and the per-frame check is saved.
        skipUTF8Validation: true,
        followRedirects: false,
        ...options.tls,
      });
      const transport = new WebSocketTransport(socket, options);
      let settled = false;
      const settle = (error: Error | undefined): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        socket.off('open', onOpen);
        socket.off('error', onError);
        if (error === undefined) {
          if (options.keepAlive !== undefined) transport.#beat(options.keepAlive);
          return resolve(transport);
        }
        socket.terminate();
        reject(error);
      };
      const onOpen = (): void => settle(undefined);
      const onError = (error: Error): void => settle(new ConnectionError(endpoint.display, describeError(error), { cause: error }));
      const onAbort = (): void => settle(new AbortError('Codex.connect()', signal?.reason));
      socket.once('open', onOpen);
      socket.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
      // With a listener here, `ws` leaves a refused upgrade to us: read why, then fail.
      socket.once('unexpected-response', (request, response: IncomingMessage) => {
        readBody(response).then((body) => {
          request.destroy();
          const status = response.statusCode ?? 0;
          settle(
            status === 401 || status === 403
              ? new AuthenticationError(endpoint.display, status, body)
              : new ConnectionError(endpoint.display, `the upgrade was answered with HTTP ${status}${body ? ` (${body})` : ''}`),
          );
        }, (error: unknown) => settle(new ConnectionError(endpoint.display, String(error))));
      });
    });
  }

  #beat(settings: KeepAliveSettings): void {
    this.#heartbeat = new Heartbeat(this.#socket, settings, (reason) => {
      // A half-open connection never closes by itself: end it here, like any other drop.
      this.#dropReason = reason;
      this.#socket.terminate();
    });
  }

  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new Error('WebSocketTransport.start() called twice');
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const frame of early) this.#deliver(frame.data, frame.binary);
    if (this.#end !== undefined) handlers.end(this.#end);
  }

  #deliver(data: Buffer, binary: boolean): void {
    const handlers = this.#handlers!;
    if (data.length > this.#options.maxMessageBytes) {
      const start = data.subarray(0, LINE_START_CHARS).toString('utf8');
      handlers.error(
        new ProtocolError(`Skipped a ${data.length}-byte frame from the app-server: longer than maxMessageBytes (${this.#options.maxMessageBytes})`, 'oversizedLine', start),
      );
      return;
    }
    const text = data.toString('utf8');
    if (binary) {
      handlers.error(new ProtocolError('The app-server sent a binary frame; expected one JSON message per text frame', 'invalidMessage', text.slice(0, LINE_START_CHARS)));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      handlers.error(new ProtocolError('The app-server sent a frame that is not JSON', 'invalidJson', text.slice(0, LINE_START_CHARS), { cause }));
      return;
    }
    handlers.message(value);
  }

  send(message: object): boolean {
    if (this.#socket.readyState !== WebSocket.OPEN) return false;
    // A failed write ends in 'close', which rejects everything pending: nothing to do here.
    this.#socket.send(JSON.stringify(message), () => undefined);
    return true;
  }

  stderrTail(): string {
    return '';
  }

  /** Sends a normal close, waits for the server's answer (at most 2 s), then drops the socket. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#heartbeat?.stop();
      if (this.#end !== undefined) return;
      this.#socket.close(1000, 'client closed');
      const timer = setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS);
      await this.#closed;
      clearTimeout(timer);
    })();
    return this.#closing;
  }

  #endInfo(code: number, reason: string): TransportEnd {
    const url = this.#options.endpoint.display;
    let text: string;
    if (this.#closing !== undefined) text = 'The client was closed';
    else {
      const why = this.#dropReason ?? (this.#lastError !== undefined ? describeError(this.#lastError) : reason ? `code ${code}, ${JSON.stringify(reason)}` : `code ${code}`);
      text = `The connection to the app-server was lost (${why})`;
    }
    return { reason: text, exitCode: null, signal: null, stderrTail: '', url };
  }
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

async function readBody(response: IncomingMessage): Promise<string> {
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) {
    body += chunk as string;
    if (body.length > REFUSAL_BODY_CHARS) break;
  }
  return body.trim().slice(0, REFUSAL_BODY_CHARS);
}
