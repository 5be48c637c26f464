import type { ProtocolError } from '../errors.js';

/** How and why a transport ended. */
export interface TransportEnd {
  readonly reason: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;
  /** True when the process could not be started at all. */
  readonly neverStarted?: boolean;
}

export interface TransportHandlers {
  /** One parsed incoming message (any JSON value: validating it is the caller's job). */
  message(value: unknown): void;
  /** A line that could not be parsed. Never fatal. */
  error(error: ProtocolError): void;
  /** The stream ended. Called exactly once, after the last `message`. */
  end(info: TransportEnd): void;
}

/** Moves JSON values to and from an app-server. The stdio child process is the one in use. */
export interface MessageTransport {
  /** Starts delivering incoming messages. Call once. */
  start(handlers: TransportHandlers): void;
  /** Sends one message. Returns false when the transport can no longer write. */
  send(message: object): boolean;
  /** Ends the transport and waits until its process, if any, has exited. Idempotent. */
  close(): Promise<void>;
  /** The stderr lines kept so far (bounded), with secrets redacted. */
  stderrTail(): string;
  readonly pid: number | undefined;
}
