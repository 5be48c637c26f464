import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AbortError, Codex, ConnectionError, InvalidArgumentError, TransportClosedError, type ProtocolError } from '../../src/index.js';
import { isLoopback, parseEndpoint } from '../../src/transport/endpoint.js';
import { Heartbeat } from '../../src/transport/keepalive.js';

// The WebSocket transport and Codex.connect() against an in-process fake server, for what the
// real app-server never does (bad frames, a dropped socket at a chosen moment) and for the
// checks made before anything is dialled.

interface Fake {
  readonly url: string;
  /** The upgrade requests seen so far. */
  readonly upgrades: IncomingMessage[];
  /** Pings received, over all connections. */
  readonly pings: number;
  /** Resolves with the server side of the next connection. */
  nextSocket(): Promise<WebSocket>;
  close(): Promise<void>;
}

const fakes: Fake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/**
 * A WebSocket server that answers `initialize` like codex and hands each connection to the test.
 * With `autoPong: false` it never answers a ping (like a peer behind a dead link).
 */
async function fakeServer({ autoPong = true }: { autoPong?: boolean } = {}): Promise<Fake> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  let pings = 0;
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const upgrades: IncomingMessage[] = [];
  const waiting: ((socket: WebSocket) => void)[] = [];
  const ready: WebSocket[] = [];
  wss.on('connection', (socket, request) => {
    upgrades.push(request);
    socket.on('ping', () => pings++);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; method: string };
      if (message.method === 'initialize') {
        socket.send(JSON.stringify({ id: message.id, result: { userAgent: 'fake/0.169.0', codexHome: '/tmp', platformFamily: 'unix', platformOs: 'linux' } }));
      }
    });
    const take = waiting.shift();
    if (take) take(socket);
    else ready.push(socket);
  });
  const fake: Fake = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    upgrades,
    get pings() {
      return pings;
    },
    nextSocket: () => {
      const socket = ready.shift();
      return socket ? Promise.resolve(socket) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
  fakes.push(fake);
  return fake;
}

describe('WebSocket frames', () => {
  it('reports a frame that is not JSON, and a binary frame, as ProtocolErrors; the connection stays up', async () => {
    const fake = await fakeServer();
    const socket = fake.nextSocket();
    const codex = await Codex.connect({ url: fake.url, onWarning: () => undefined });
    const errors: ProtocolError[] = [];
    codex.on('error', (error) => errors.push(error));
    const server = await socket;
    server.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id: number; method: string };
      if (message.method === 'thread/list') server.send(JSON.stringify({ id: message.id, result: { data: [], nextCursor: null } }));
    });
    server.send('this is not json');
    server.send(Buffer.from('{"method":"binary"}'), { binary: true });
    expect(await codex.request('thread/list', {})).toEqual({ data: [], nextCursor: null });
    expect(errors.map((e) => e.kind)).toEqual(['invalidJson', 'invalidMessage']);
    expect(errors[1]!.message).toContain('binary frame');
    expect(codex.closed).toBe(false);
    await codex.close();
  });

  it('reads invalid UTF-8 in a text frame as U+FFFD, as over stdio; the connection stays up', async () => {
    const fake = await fakeServer();
    const socket = fake.nextSocket();
    const codex = await Codex.connect({ url: fake.url });
    const server = await socket;
    server.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id: number; method: string };
      if (message.method !== 'thread/list') return;
      const bytes = Buffer.concat([Buffer.from(`{"id":${message.id},"result":{"data":[],"nextCursor":"a`), Buffer.from([0xff]), Buffer.from('b"}}')]);
      server.send(bytes, { binary: false });
    });
    expect(await codex.request('thread/list', {})).toEqual({ data: [], nextCursor: 'a\uFFFDb' });
    expect(codex.closed).toBe(false);
    expect(await codex.request('thread/list', {})).toEqual({ data: [], nextCursor: 'a\uFFFDb' });
    await codex.close();
  });

  it('skips a frame over maxMessageBytes and reads the next one', async () => {
    const fake = await fakeServer();
    const socket = fake.nextSocket();
    const codex = await Codex.connect({ url: fake.url, maxMessageBytes: 1_000, onWarning: () => undefined });
    const errors: ProtocolError[] = [];
    codex.on('error', (error) => errors.push(error));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const n of codex.notifications()) {
        seen.push(n.method);
        if (n.method === 'thread/closed') return;
      }
    })();
    const server = await socket;
    server.send(JSON.stringify({ method: 'warning', params: { message: 'x'.repeat(5_000) } }));
    server.send(JSON.stringify({ method: 'thread/closed', params: { threadId: 't' } }));
    await reading;
    expect(seen).toEqual(['thread/closed']);
    expect(errors.map((e) => e.kind)).toEqual(['oversizedLine']);
    await codex.close();
  });

  it('sends no Origin, sends the token as a bearer header, and rejects pending calls when the socket drops', async () => {
    const fake = await fakeServer();
    const socket = fake.nextSocket();
    const codex = await Codex.connect({ url: fake.url, token: 'secret-token-value', headers: { 'X-Team': 'sdk' }, onWarning: () => undefined });
    expect(fake.upgrades[0]!.headers.origin).toBeUndefined();
    expect(fake.upgrades[0]!.headers.authorization).toBe('Bearer secret-token-value');
    expect(fake.upgrades[0]!.headers['x-team']).toBe('sdk');
    const pending = codex.request('thread/list', {}); // the fake never answers it
    (await socket).terminate();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as Error).message).toContain(fake.url);
    expect((error as Error).message).toContain('lost');
    expect((error as Error).message).not.toContain('secret-token-value');
    expect(codex.closed).toBe(true);
  });

  it('aborts a connect that hangs in the handshake', async () => {
    // A TCP server that accepts and never answers the upgrade.
    const { createServer } = await import('node:net');
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const controller = new AbortController();
      const connecting = Codex.connect({ url, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(connecting).rejects.toBeInstanceOf(AbortError);
      const timedOut = await Codex.connect({ url, connectTimeoutMs: 200 }).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(ConnectionError);
    } finally {
      server.close();
    }
  });
});

describe('keepAlive', () => {
  it('drops a connection whose server stops answering pings: pending calls reject with TransportClosedError naming the missing pong', async () => {
    const fake = await fakeServer({ autoPong: false });
    const codex = await Codex.connect({ url: fake.url, keepAlive: { intervalMs: 50, timeoutMs: 100 }, onWarning: () => undefined });
    const closed = new Promise<TransportClosedError>((resolve) => codex.on('close', resolve));
    // The fake never answers it: without the keepalive it would wait for its 120 s deadline.
    const error = await codex.request('thread/list', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as Error).message).toContain('no pong within 100 ms');
    expect((error as Error).message).toContain(fake.url);
    expect(await closed).toBe(error);
    expect(codex.closed).toBe(true);
  });

  it('keeps a connection whose server answers: it pings every interval and stops at close', async () => {
    const stop = vi.spyOn(Heartbeat.prototype, 'stop');
    const fake = await fakeServer();
    // A generous timeout: on a loaded machine a pong may take a while, and this test is not about that.
    const codex = await Codex.connect({ url: fake.url, keepAlive: { intervalMs: 20, timeoutMs: 2_000 }, onWarning: () => undefined });
    const until = Date.now() + 10_000;
    while (fake.pings < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.pings).toBeGreaterThanOrEqual(3);
    expect(codex.closed).toBe(false);
    await codex.close();
    expect(stop).toHaveBeenCalled();
    const after = fake.pings;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.pings).toBe(after);
    stop.mockRestore();
  });

  it('has no heartbeat with keepAlive: false, and one by default', async () => {
    const fake = await fakeServer();
    // A heartbeat hears every frame the server sends (the initialize answer among them).
    const heard = vi.spyOn(Heartbeat.prototype, 'heard');
    const quiet = await Codex.connect({ url: fake.url, keepAlive: false, onWarning: () => undefined });
    expect(heard).not.toHaveBeenCalled();
    const byDefault = await Codex.connect({ url: fake.url, onWarning: () => undefined });
    expect(heard).toHaveBeenCalled();
    await quiet.close();
    await byDefault.close();
    heard.mockRestore();
  });

  it.each([
    ['yes', 'keepAlive', /must be true, false or an object/],
    [null, 'keepAlive', /must be true, false or an object/],
    [{ intervalMs: 0 }, 'keepAlive.intervalMs', /positive number of milliseconds/],
    [{ timeoutMs: -5 }, 'keepAlive.timeoutMs', /positive/],
    [{ intervalMs: Number.NaN }, 'keepAlive.intervalMs', /positive/],
    [{ timeoutMs: 2 ** 31 }, 'keepAlive.timeoutMs', /at most 2147483647/],
    [{ intervalMs: '30s' }, 'keepAlive.intervalMs', /positive/],
  ])('refuses keepAlive %j with InvalidArgumentError before dialling', async (keepAlive, argument, message) => {
    const error = await Codex.connect({ url: 'ws://127.0.0.1:1', keepAlive: keepAlive as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect((error as Error).message).toMatch(message);
  });
});

describe('checks before dialling', () => {
  it('refuses a token over plain ws:// to a host that is not loopback, unless allowed', async () => {
    const error = await Codex.connect({ url: 'ws://192.0.2.1:4500', token: 't0ken' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/wss:\/\/|SSH tunnel/);
    // Opted in, it dials (and fails to connect fast: nothing is there).
    const dialled = await Codex.connect({ url: 'ws://192.0.2.1:4500', token: 't0ken', allowInsecureToken: true, connectTimeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(dialled).toBeInstanceOf(ConnectionError);
  });

  it('refuses an Origin header, spawn-only options, two token sources and credentials in the URL', async () => {
    const cases: [Parameters<typeof Codex.connect>[0], string][] = [
      [{ url: 'ws://127.0.0.1:1', headers: { Origin: 'https://example.com' } }, 'headers.Origin'],
      [{ url: 'ws://127.0.0.1:1', ...({ codexPath: '/bin/codex' } as object) }, 'codexPath'],
      [{ url: 'ws://127.0.0.1:1', token: 'a', tokenFile: '/tmp/x' }, 'tokenFile'],
      [{ url: 'ws://user:pw@127.0.0.1:1' }, 'url'],
      [{ url: 'http://127.0.0.1:1' }, 'url'],
      [{ url: 'ws://127.0.0.1:1', token: 'a\nb' }, 'token'],
      [{ url: 'ws://127.0.0.1:1', signedToken: { secret: 'too short' } }, 'signedToken.secret'],
    ];
    for (const [options, argument] of cases) {
      const error = await Codex.connect(options).catch((e: unknown) => e);
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
  });

  it('reads unix:// URLs: a path, or bare for the daemon socket of codexHome / CODEX_HOME', () => {
    expect(parseEndpoint('unix:///tmp/a.sock', undefined)).toMatchObject({ kind: 'unix', address: 'ws+unix:///tmp/a.sock:/', local: true });
    expect(parseEndpoint('unix://', '/srv/codex').address).toBe('ws+unix:///srv/codex/app-server-control/app-server-control.sock:/');
    vi.stubEnv('CODEX_HOME', '/home/me/.codex-alt');
    try {
      expect(parseEndpoint('unix://', undefined).display).toBe('unix:///home/me/.codex-alt/app-server-control/app-server-control.sock');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(parseEndpoint(new URL('wss://codex.example.com:8443/rpc'), undefined)).toMatchObject({ kind: 'wss', local: false });
    expect(() => parseEndpoint('unix:///tmp/a:b.sock', undefined)).toThrow(InvalidArgumentError);
  });

  it('knows loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.3.4.5', '[::1]', '::ffff:127.0.0.1', 'app.localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['example.com', '10.0.0.1', '[::2]', '128.0.0.1', 'localhost.example.com']) expect(isLoopback(host), host).toBe(false);
  });
});
