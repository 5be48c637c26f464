import type WebSocket from 'ws';

/** How often to ping the server, and how long to wait for its pong, in ms. */
export interface KeepAliveSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/**
 * Pings the server every `intervalMs` (WebSocket ping frames, which codex answers with pongs).
 * When `timeoutMs` pass after a ping with nothing read from the server, the connection counts as
 * lost and `onDead` runs (the transport then terminates the socket, which ends it like any drop).
 * Without it, a half-open TCP connection (a peer gone without a FIN, a NAT or firewall that
 * forgot the flow) shows only when some request times out. Its timers never hold the process.
 */
export class Heartbeat {
  readonly #socket: WebSocket;
  readonly #settings: KeepAliveSettings;
  readonly #onDead: (reason: string) => void;
  #timer: NodeJS.Timeout | undefined;
  /** A ping is out: its timeout is armed. */
  #outstanding = false;
  /** Something was read from the server since the last ping. */
  #heard = false;
  #stopped = false;
  readonly #onPong = (): void => {
    this.#heard = true;
    if (!this.#outstanding || this.#stopped) return;
    this.#outstanding = false;
    clearTimeout(this.#timer);
    this.#schedule();
  };

  constructor(socket: WebSocket, settings: KeepAliveSettings, onDead: (reason: string) => void) {
    this.#socket = socket;
    this.#settings = settings;
    this.#onDead = onDead;
    socket.on('pong', this.#onPong);
    this.#schedule();
  }

  /** Something arrived from the server: the connection is alive (a pong may queue behind a flood). */
  heard(): void {
    this.#heard = true;
  }

  /** Clears every timer. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#socket.off('pong', this.#onPong);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#ping(), this.#settings.intervalMs);
    this.#timer.unref();
  }

  #ping(): void {
    if (this.#stopped) return;
    this.#outstanding = true;
    this.#heard = false;
    try {
      this.#socket.ping();
    } catch {
      // Not open any more: its 'close' stops this heartbeat.
      return;
    }
    this.#timer = setTimeout(() => this.#expire(), this.#settings.timeoutMs);
    this.#timer.unref();
  }

  #expire(): void {
    // Decide after this turn of the event loop has read the socket (setImmediate runs after the
    // poll phase): when a long synchronous task blocked the loop past the timeout, a pong already
    // waiting in the socket's buffer must not count as missing. (Not unref'd: an unref'd
    // immediate lets the poll phase block, delaying the decision until some other event.)
    setImmediate(() => {
      // Stopped, or the pong came in that poll phase (and the next ping is scheduled).
      if (this.#stopped || !this.#outstanding) return;
      this.#outstanding = false;
      if (this.#heard) {
        this.#schedule();
        return;
      }
      this.stop();
      this.#onDead(`no pong within ${this.#settings.timeoutMs} ms`);
    });
  }
}
