import { rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A proxy in front of a `ws://` or `unix://` app-server that a test can cut (drop every socket),
 * hold shut, freeze, point at another server, or cut when the client sends a given request.
 */
export interface CutProxy extends AsyncDisposable {
  /**
   * `ws://127.0.0.1:PORT` of the proxy, `wss://localhost:PORT` when it terminates TLS, or
   * `unix://PATH` when it listens on a socket path.
   */
  readonly url: string;
  /** Destroys every open connection, both sides, like a network failure. */
  cut(): void;
  /** While shut, new connections are destroyed at once (the server looks unreachable). */
  shut(value: boolean): void;
  /** New connections go to `target` from now on (a server restarted elsewhere, with another token). */
  retarget(target: string): void;
  /**
   * Arms a one-shot trap: the first JSON-RPC message a client sends (on any connection) that
   * `match` accepts is not forwarded, and its connection is cut. Resolves with that message.
   */
  cutOnClientMessage(match: (message: { method?: unknown }) => boolean): Promise<{ method?: unknown }>;
  /**
   * A black hole, like a half-open connection or a partition: from now on nothing is forwarded
   * either way and nothing is closed, on open connections and on new ones (which get no upgrade
   * answer). Neither side learns anything.
   */
  freeze(): void;
  /**
   * Ends the freeze: the frozen connections are destroyed (the peers' resets finally get
   * through), and new connections are forwarded again.
   */
  thaw(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
}

export interface CutProxyOptions {
  /** Listen on this Unix socket path instead of a loopback port. */
  readonly socketPath?: string | undefined;
  /** Terminate TLS with this key and certificate, as a reverse proxy would. */
  readonly tls?: tls.TlsOptions | undefined;
}

type Upstream = { path: string } | { host: string; port: number };

function upstreamOf(target: string): Upstream {
  if (target.startsWith('unix://')) return { path: target.slice('unix://'.length) };
  const { hostname, port } = new URL(target);
  return { host: hostname, port: Number(port) };
}

/** One relayed connection; a frozen one swallows data and closes. */
interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  frozen: boolean;
}

interface Trap {
  match: (message: { method?: unknown }) => boolean;
  resolve: (message: { method?: unknown }) => void;
}

export async function cutProxy(target: string, options: CutProxyOptions = {}): Promise<CutProxy> {
  let upstreamAt = upstreamOf(target);
  const sockets = new Set<net.Socket>();
  const links = new Set<Link>();
  let shut = false;
  let frozen = false;
  let accepted = 0;
  let trap: Trap | undefined;
  const relay = (client: net.Socket): void => {
    if (shut) {
      client.destroy();
      return;
    }
    accepted++;
    // While frozen, a new connection reaches nothing: the client's upgrade gets no answer.
    const upstream = frozen ? new net.Socket() : 'path' in upstreamAt ? net.connect(upstreamAt.path) : net.connect(upstreamAt.port, upstreamAt.host);
    const link: Link = { client, upstream, frozen };
    links.add(link);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    watchClient(link);
    // Forwarded by hand rather than piped, so that a frozen link swallows data and closes.
    upstream.on('data', (chunk: Buffer) => {
      if (!link.frozen) client.write(chunk);
    });
    upstream.on('end', () => {
      if (!link.frozen) client.end();
    });
    client.on('close', () => {
      if (!link.frozen) upstream.destroy();
      if (client.destroyed && upstream.destroyed) links.delete(link);
    });
    upstream.on('close', () => {
      if (!link.frozen) client.destroy();
      if (client.destroyed && upstream.destroyed) links.delete(link);
    });
  };
  const server = options.tls !== undefined ? tls.createServer(options.tls, relay) : net.createServer(relay);
  // A client that refuses the certificate ends the handshake: nothing to relay, nothing to report.
  server.on('tlsClientError', () => undefined);
  // Reads what the client sends (to spring the trap) and forwards it unit by unit.
  const watchClient = (link: Link): void => {
    const { client, upstream } = link;
    const reader = new ClientFrames();
    client.on('data', (chunk: Buffer) => {
      if (link.frozen) return;
      for (const unit of reader.push(chunk)) {
        const current = trap;
        if (current !== undefined && unit.text !== undefined) {
          let message: { method?: unknown } | undefined;
          try {
            message = JSON.parse(unit.text) as { method?: unknown };
          } catch {
            message = undefined;
          }
          if (message !== undefined && current.match(message)) {
            trap = undefined;
            client.destroy();
            upstream.destroy();
            current.resolve(message);
            return;
          }
        }
        upstream.write(unit.bytes);
      }
    });
    client.on('end', () => {
      if (!link.frozen) upstream.end();
    });
  };
  const socketPath = options.socketPath;
  if (socketPath !== undefined) rmSync(socketPath, { force: true });
  await new Promise<void>((resolve) => (socketPath === undefined ? server.listen(0, '127.0.0.1', resolve) : server.listen(socketPath, resolve)));
  const address = server.address();
  return {
    url:
      socketPath !== undefined
        ? `unix://${socketPath}`
        : `${options.tls !== undefined ? 'wss://localhost' : 'ws://127.0.0.1'}:${(address as net.AddressInfo).port}`,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    shut(value) {
      shut = value;
    },
    retarget(next) {
      upstreamAt = upstreamOf(next);
    },
    cutOnClientMessage(match) {
      return new Promise((resolve) => (trap = { match, resolve }));
    },
    freeze() {
      frozen = true;
      for (const link of links) link.frozen = true;
    },
    thaw() {
      frozen = false;
      for (const link of [...links]) {
        if (!link.frozen) continue;
        link.client.destroy();
        link.upstream.destroy();
        links.delete(link);
      }
    },
    get accepted() {
      return accepted;
    },
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Splits what a WebSocket client sends into the HTTP upgrade and whole frames, unmasking text
 * frames to read them. Enough for the `ws` package's unfragmented frames; anything else passes
 * through unread.
 */
class ClientFrames {
  #buffer = Buffer.alloc(0);
  #upgraded = false;

  push(chunk: Buffer): { bytes: Buffer; text?: string }[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const units: { bytes: Buffer; text?: string }[] = [];
    for (;;) {
      if (!this.#upgraded) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end === -1) return units;
        units.push({ bytes: this.#take(end + 4) });
        this.#upgraded = true;
        continue;
      }
      const b = this.#buffer;
      if (b.length < 2) return units;
      const opcode = b[0]! & 0x0f;
      const masked = (b[1]! & 0x80) !== 0;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return units;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return units;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const maskAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) return units;
      const bytes = this.#take(offset + length);
      if (opcode !== 1) {
        units.push({ bytes });
        continue;
      }
      const payload = Buffer.from(bytes.subarray(offset));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ bytes[maskAt + (i % 4)]!;
      units.push({ bytes, text: payload.toString('utf8') });
    }
  }

  #take(count: number): Buffer {
    const taken = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return taken;
  }
}
