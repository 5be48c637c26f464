import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { RequestTimeoutError, TransportClosedError, type ReconnectEvent } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { within } from '../helpers/reliability.js';
import { remote } from '../helpers/remote.js';
import { once } from '../helpers/events.js';

// keepAlive against the real app-server: it answers WebSocket pings (over TCP and a Unix socket),
// and a connection that silently stops carrying anything (a proxy of the test's own turned into a
// black hole, neither side told) ends within about interval + timeout instead of hanging, or,
// with `reconnect`, comes back once the path does.

// A pong from the real server can take over 300 ms when the suite loads this 2-core machine, so
// the timeout is generous: the tests assert that a silent connection ends and why, not how fast.
const KEEP_ALIVE = { intervalMs: 200, timeoutMs: 2_000 } as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(['ws', 'unix'] as const)('keepAlive over %s', (listen) => {
  it('the real app-server answers pings: pongs come back and the connection lives on', async () => {
    await using env = await remote({ listen });
    const pings = vi.spyOn(WebSocket.prototype, 'ping');
    const emit = vi.spyOn(WebSocket.prototype, 'emit');
    const pongs = (): number => emit.mock.calls.filter(([event]) => event === 'pong').length;
    const codex = await env.connect({ keepAlive: { intervalMs: 50, timeoutMs: 5_000 } });
    const until = Date.now() + 15_000;
    while (pongs() < 5 && Date.now() < until) await sleep(50);
    // (codex 0.171 answers each ping with two pongs; the heartbeat needs one.)
    expect(pongs()).toBeGreaterThanOrEqual(5);
    expect(pings.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(codex.closed).toBe(false);
    env.model.enqueue(reply.message('still here'));
    const thread = await codex.threadStart();
    expect((await thread.run('hello')).finalResponse).toBe('still here');
  });
});

describe('a connection that goes silent', () => {
  it('without keepAlive a pending call waits for its deadline; with it, the call and the turn reject with TransportClosedError naming the missing pong', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, keepAlive: KEEP_ALIVE });
    const unguarded = await env.connect({ url: proxy.url, keepAlive: false });
    const closed = once<TransportClosedError>(codex, 'close');
    env.model.enqueue(reply.hang({ before: [output.message('working')] }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('long task');
    await env.model.waitForRequests(1);
    const result = turn.run();
    result.catch(() => undefined);

    proxy.freeze();
    const pending = codex.request('thread/list', {});
    const error = await within(
      pending.catch((e: unknown) => e),
      15_000,
      'the pending call on a silent connection',
    );
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as Error).message).toContain(`no pong within ${KEEP_ALIVE.timeoutMs} ms`);
    await expect(within(result, 5_000, 'the turn')).rejects.toBeInstanceOf(TransportClosedError);
    expect(await closed).toBeInstanceOf(TransportClosedError);
    expect(codex.closed).toBe(true);
    // Nothing closed the socket: only the keepalive noticed. The client without one still
    // believes in its connection, and its call ends only at its own deadline.
    await expect(unguarded.request('thread/list', {}, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(unguarded.closed).toBe(false);
    proxy.thaw();
    env.model.releaseHanging();
  });

  it('with reconnect: the silent connection counts as dropped, and the client reconnects once the path is back; the turn goes on', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({
      url: proxy.url,
      keepAlive: KEEP_ALIVE,
      connectTimeoutMs: 1_000,
      reconnect: { retries: 50, minDelayMs: 20, maxDelayMs: 200 },
    });
    env.model.enqueue(reply.message('first'));
    const thread = await codex.threadStart();
    await thread.run('one'); // a thread is resumable once it has a turn
    env.model.enqueue(reply.hang({ before: [output.message('before the freeze')], after: [output.message('after the freeze')] }));
    const turn = await thread.turn('long task');
    const result = turn.run();
    await env.model.waitForRequests(2);

    const disconnected = once<TransportClosedError>(codex, 'disconnected');
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.freeze();
    const dropped = await within(disconnected, 15_000, 'the disconnected event');
    expect(dropped.message).toContain(`no pong within ${KEEP_ALIVE.timeoutMs} ms`);
    // Dials during the freeze get no upgrade answer; once it lifts, one gets through.
    await sleep(1_200);
    expect(codex.closed).toBe(false);
    proxy.thaw();
    const event = await within(reconnected, 15_000, 'the reconnect event');
    expect(event.threadIds).toEqual([thread.id]);

    env.model.releaseHanging();
    const final = await within(result, 15_000, 'the turn');
    expect(final.status).toBe('completed');
    expect(final.items.flatMap((i) => (i.type === 'agentMessage' ? [i.text] : []))).toEqual(['before the freeze', 'after the freeze']);
    env.model.enqueue(reply.message('again'));
    expect((await thread.run('two')).finalResponse).toBe('again');
  });
});
