import type { ProtocolError } from '../errors.js';

/** How and why a transport ended. */
export interface TransportEnd {
  readonly reason: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;
  /** True when the process could not be started at all. */
  readonly neverStarted?: boolean | undefined;
  /** Set for a remote server: the URL it was reached at (its exit status is unknown). */
  readonly url?: string | undefined;
}

export interface TransportHandlers {
  /** One parsed incoming message (any JSON value: validating it is the caller's job). */
  message(value: unknown): void;
  /** A line or frame that could not be parsed. Never fatal. */
  error(error: ProtocolError): void;
  /** The stream ended. Called exactly once, after the last `message`. */
  end(info: TransportEnd): void;
}

/**
 * Moves JSON values to and from an app-server, one value per message: JSONL over a child's
 * stdio (`StdioTransport`), or one text frame each over a WebSocket on TCP or a Unix socket
 * (`WebSocketTransport`). Everything above it (JSON-RPC, the session) is the same for both.
 */
export interface MessageTransport {
  /** Starts delivering incoming messages. Call once. */
  start(handlers: TransportHandlers): void;
  /** Sends one message. Returns false when the transport can no longer write. */
  send(message: object): boolean;
  /** Ends the transport and waits until its process exited or its socket closed. Idempotent. */
  close(): Promise<void>;
  /** The stderr lines kept so far (bounded), with secrets redacted; empty for a remote server. */
  stderrTail(): string;
  /** The child's process id; undefined for a remote server. */
  readonly pid: number | undefined;
}
