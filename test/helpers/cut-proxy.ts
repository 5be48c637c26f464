import net from 'node:net';

/** A TCP proxy in front of a ws:// server that a test can cut (drop every socket) and hold shut. */
export interface CutProxy extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT` of the proxy. */
  readonly url: string;
  /** Destroys every open connection, both sides, like a network failure. */
  cut(): void;
  /** While shut, new connections are destroyed at once (the server looks unreachable). */
  shut(value: boolean): void;
  /** Connections accepted so far. */
  readonly accepted: number;
}

export async function cutProxy(target: string): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let shut = false;
  let accepted = 0;
  const server = net.createServer((client) => {
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${address.port}`,
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
