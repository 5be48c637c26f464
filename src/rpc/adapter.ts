import { AbstractMessageReader, AbstractMessageWriter, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc/node';
import { ProtocolError } from '../errors.js';
import { jsonStart } from '../transport/jsonl.js';
import type { MessageTransport, TransportEnd } from '../transport/transport.js';

/** A notification as it arrives: the parsed line itself, so nothing is copied on the hot path. */
export interface IncomingNotification {
  readonly method: string;
  readonly params?: unknown;
}

/** Sent through vscode-jsonrpc's queue after the last real message, to learn when the queue is empty. */
export const DRAINED_METHOD = '$/codexSdk/drained';

/**
 * A server-request answer that is not written at all: the server no longer waits for it (it was
 * withdrawn, its turn ended, the connection is gone), and codex ignores late answers anyway.
 */
export const NO_ANSWER: unique symbol = Symbol('codexSdk.noAnswer');

export interface AdapterEvents {
  notification(message: IncomingNotification): void;
  protocolError(error: ProtocolError): void;
  /**
   * A response (`result` or `error` with an id). Returns false when no request of ours awaits it
   * (late, duplicate or unknown): it is then reported as an `unexpectedResponse`.
   */
  response(message: IncomingResponse): boolean;
  /** The transport ended. Server requests may still sit in vscode-jsonrpc's queue: see DRAINED_METHOD. */
  end(info: TransportEnd): void;
}

export type RequestId = string | number;

/** A response as it arrives: an id and `result` or `error`, both unchecked. */
export interface IncomingResponse {
  readonly id: RequestId;
  readonly result?: unknown;
  readonly error?: unknown;
}

/**
 * The bridge between a transport and vscode-jsonrpc. It sees every message first and decides
 * where it goes: notifications skip vscode-jsonrpc's queue (which dispatches one message per
 * event-loop turn, far too slow for token deltas) and go straight to `events.notification`;
 * responses go to `events.response` (the SDK correlates its own requests, see RpcConnection);
 * only server requests go through vscode-jsonrpc, which answers them through the writer.
 */
export class TransportBridge {
  readonly reader: BridgeReader;
  readonly writer: BridgeWriter;

  constructor(transport: MessageTransport, events: AdapterEvents) {
    this.reader = new BridgeReader(transport, events);
    this.writer = new BridgeWriter(transport);
  }
}

class BridgeReader extends AbstractMessageReader {
  readonly #transport: MessageTransport;
  readonly #events: AdapterEvents;

  constructor(transport: MessageTransport, events: AdapterEvents) {
    super();
    this.#transport = transport;
    this.#events = events;
  }

  listen(callback: DataCallback): Disposable {
    const events = this.#events;
    this.#transport.start({
      message: (value) => {
        // Called from the transport's data handler: a throw would be an uncaught exception and
        // lose the rest of the chunk. Whatever goes wrong with one message is reported instead.
        try {
          this.#route(value, callback);
        } catch (cause) {
          events.protocolError(
            new ProtocolError(
              `A message from the app-server could not be handled (${cause instanceof Error ? cause.message : String(cause)})`,
              'invalidMessage',
              jsonStart(value),
              { cause },
            ),
          );
        }
      },
      error: (error) => events.protocolError(error),
      end: (info) => {
        events.end(info);
        // Queued behind every server request still in vscode-jsonrpc's queue: when it is handled,
        // those have all been dispatched.
        callback({ jsonrpc: '2.0', method: DRAINED_METHOD } as Message);
      },
    });
    return { dispose: () => undefined };
  }

  /** Sends a message where it goes: notifications to `events`, the rest through the connection. */
  #route(value: unknown, callback: DataCallback): void {
    const events = this.#events;
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
    if (hasId && (typeof message.id === 'string' || typeof message.id === 'number') && ('result' in message || 'error' in message)) {
      if (!events.response(message as unknown as IncomingResponse)) {
        events.protocolError(
          new ProtocolError(
            `The app-server answered request id ${jsonStart(message.id)}, which is not awaiting an answer (late, duplicate or unknown)`,
            'unexpectedResponse',
            jsonStart(value),
          ),
        );
      }
      return;
    }
    events.protocolError(invalidMessage(value));
  }
}

/** Writes what vscode-jsonrpc sends: answers to server requests, and notifications. */
class BridgeWriter extends AbstractMessageWriter {
  readonly #transport: MessageTransport;

  constructor(transport: MessageTransport) {
    super();
    this.#transport = transport;
  }

  write(message: Message): Promise<void> {
    // vscode-jsonrpc answers every request it dispatched; an answer nobody waits for stops here.
    if ((message as { result?: unknown }).result === NO_ANSWER) return Promise.resolve();
    // codex never sends the "jsonrpc" member; leave it out of what we send too.
    const { jsonrpc: _jsonrpc, ...wire } = message;
    if (!this.#transport.send(wire)) return Promise.reject(new Error('The app-server transport is closed'));
    return Promise.resolve();
  }

  end(): void {}
}

function invalidMessage(value: unknown): ProtocolError {
  return new ProtocolError(
    'The app-server sent JSON that is neither a request, a response nor a notification',
    'invalidMessage',
    jsonStart(value),
  );
}
