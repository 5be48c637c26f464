import net from 'node:net';
import tls from 'node:tls';

/** A TCP proxy in front of a ws:// server that a test can cut (drop every socket) and hold shut. */
export interface CutProxy extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT` of the proxy, or `wss://localhost:PORT` when it terminates TLS. */
  readonly url: string;
  /** Destroys every open connection, both sides, like a network failure. */
  cut(): void;
  /** While shut, new connections are destroyed at once (the server looks unreachable). */
  shut(value: boolean): void;
  /** Connections accepted so far. */
  readonly accepted: number;
}

/** With `tls`, the proxy terminates TLS with that key and certificate, as a reverse proxy would. */
export async function cutProxy(target: string, options: { readonly tls?: tls.TlsOptions } = {}): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let shut = false;
  let accepted = 0;
  const relay = (client: net.Socket): void => {
    if (shut) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  const server = options.tls !== undefined ? tls.createServer(options.tls, relay) : net.createServer(relay);
  // A client that refuses the certificate ends the handshake: nothing to relay, nothing to report.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: options.tls !== undefined ? `wss://localhost:${address.port}` : `ws://127.0.0.1:${address.port}`,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    shut(value) {
      shut = value;
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
