import { AbstractMessageReader, AbstractMessageWriter, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc/node';
import { ProtocolError } from '../errors.js';
import type { MessageTransport, TransportEnd } from '../transport/transport.js';
import type { TraceContext } from './trace.js';

/** A notification as it arrives: the parsed line itself, so nothing is copied on the hot path. */
export interface IncomingNotification {
  readonly method: string;
  readonly params?: unknown;
}

/** Sent through vscode-jsonrpc's queue after the last real message, to learn when the queue is empty. */
export const DRAINED_METHOD = '$/codexSdk/drained';

export interface AdapterEvents {
  notification(message: IncomingNotification): void;
  protocolError(error: ProtocolError): void;
  /** The transport ended. Responses may still sit in vscode-jsonrpc's queue: see DRAINED_METHOD. */
  end(info: TransportEnd): void;
}

type RequestId = string | number;

/**
 * The bridge between a transport and vscode-jsonrpc. It sees every message first and decides
 * where it goes: notifications skip vscode-jsonrpc's queue (which dispatches one message per
 * event-loop turn, far too slow for token deltas) and go straight to `events.notification`;
 * responses and server requests go through the connection. Responses whose id matches no
 * request written by this writer are reported, not passed on.
 */
export class TransportBridge {
  readonly reader: BridgeReader;
  readonly writer: BridgeWriter;
  /** Ids of requests written and not yet answered. */
  readonly #awaiting = new Set<RequestId>();

  constructor(transport: MessageTransport, events: AdapterEvents) {
    this.reader = new BridgeReader(transport, this.#awaiting, events);
    this.writer = new BridgeWriter(transport, this.#awaiting);
  }
}

class BridgeReader extends AbstractMessageReader {
  readonly #transport: MessageTransport;
  readonly #awaiting: Set<RequestId>;
  readonly #events: AdapterEvents;

  constructor(transport: MessageTransport, awaiting: Set<RequestId>, events: AdapterEvents) {
    super();
    this.#transport = transport;
    this.#awaiting = awaiting;
    this.#events = events;
  }

  listen(callback: DataCallback): Disposable {
    const events = this.#events;
    this.#transport.start({
      message: (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          events.protocolError(invalidMessage(value));
          return;
        }
        const message = value as Record<string, unknown>;
        const hasId = 'id' in message;
        if (typeof message.method === 'string') {
          if (!hasId) {
            events.notification(message as unknown as IncomingNotification);
          } else if (typeof message.id === 'string' || typeof message.id === 'number') {
            message.jsonrpc = '2.0';
            callback(message as unknown as Message);
          } else {
            events.protocolError(invalidMessage(value));
          }
          return;
        }
        if (hasId && ('result' in message || 'error' in message)) {
          if (!this.#awaiting.delete(message.id as RequestId)) {
            events.protocolError(
              new ProtocolError(
                `The app-server answered request id ${JSON.stringify(message.id)}, which is not awaiting an answer (late, duplicate or unknown)`,
                'unexpectedResponse',
                JSON.stringify(value).slice(0, 200),
              ),
            );
            return;
          }
          message.jsonrpc = '2.0';
          callback(message as unknown as Message);
          return;
        }
        events.protocolError(invalidMessage(value));
      },
      error: (error) => events.protocolError(error),
      end: (info) => {
        events.end(info);
        // Queued behind every response still in vscode-jsonrpc's queue: when it is handled,
        // those have all been delivered.
        callback({ jsonrpc: '2.0', method: DRAINED_METHOD } as Message);
      },
    });
    return { dispose: () => undefined };
  }
}

class BridgeWriter extends AbstractMessageWriter {
  readonly #transport: MessageTransport;
  readonly #awaiting: Set<RequestId>;
  /** The trace context of the request being sent now (set only around a synchronous send). */
  #trace: TraceContext | undefined;

  constructor(transport: MessageTransport, awaiting: Set<RequestId>) {
    super();
    this.#transport = transport;
    this.#awaiting = awaiting;
  }

  /**
   * Runs `send` (which must write its request synchronously, as vscode-jsonrpc's `sendRequest`
   * does) with `trace` written as the request's top-level `trace` member.
   */
  withTrace<T>(trace: TraceContext | undefined, send: () => T): T {
    this.#trace = trace;
    try {
      return send();
    } finally {
      this.#trace = undefined;
    }
  }

  write(message: Message): Promise<void> {
    // codex never sends the "jsonrpc" member; leave it out of what we send too.
    const { jsonrpc: _jsonrpc, ...wire } = message as Message & { id?: RequestId; method?: string; trace?: TraceContext };
    if (typeof wire.method === 'string' && wire.id !== undefined) {
      this.#awaiting.add(wire.id);
      if (this.#trace !== undefined) wire.trace = this.#trace;
    }
    if (!this.#transport.send(wire)) {
      if (wire.id !== undefined) this.#awaiting.delete(wire.id);
      return Promise.reject(new Error('The app-server transport is closed'));
    }
    return Promise.resolve();
  }

  end(): void {}
}

function invalidMessage(value: unknown): ProtocolError {
  return new ProtocolError(
    'The app-server sent JSON that is neither a request, a response nor a notification',
    'invalidMessage',
    JSON.stringify(value).slice(0, 200),
  );
}
