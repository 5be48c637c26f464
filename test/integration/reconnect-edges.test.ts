import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  tool,
  TransportClosedError,
  type Codex,
  type ReconnectEvent,
  type ServerRequestContext,
  type ThreadItem,
  type ToolCallContext,
} from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { remote, type Remote } from '../helpers/remote.js';
import { agentMessages, collect, firstTurnOf, once, storedAsEnded } from '../helpers/events.js';

// The edges of `reconnect`, on the real app-server behind a proxy of the test's own: a refused
// token, a Unix socket, a second drop while resuming, a thread that cannot be resumed, server
// requests and local tools pending at the drop, and another client's turn ending in the gap.

const RECONNECT = { minDelayMs: 20, maxDelayMs: 100 } as const;

const agentTexts = (items: readonly ThreadItem[]): string[] => items.flatMap((i) => (i.type === 'agentMessage' ? [i.text] : []));

/** A thread with one finished turn (resumable), then a turn left hanging in the model. */
async function hangingTurn(env: Remote, codex: Codex, options: Parameters<Codex['threadStart']>[0] = {}) {
  const thread = await codex.threadStart(options);
  env.model.enqueueFor({ threadId: thread.id }, reply.message('first'));
  await thread.run('one');
  env.model.enqueueFor({ threadId: thread.id }, reply.hang({ before: [output.message('before the cut')], after: [output.message('after the cut')] }));
  const turn = await thread.turn('long task');
  return { thread, turn };
}

describe('reconnect: a refused token', () => {
  it('stops at once (no backoff loop); the turn, its for-await and run() reject with TransportClosedError caused by AuthenticationError', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    // The client holds the token itself: the server restarted with another one.
    const codex = await env.connect({ url: proxy.url, tokenFile: undefined, token: env.server.token, reconnect: { retries: 1000, minDelayMs: 20, maxDelayMs: 50 } });
    const { turn } = await hangingTurn(env, codex);
    const seen = collect(turn);
    const result = turn.run();
    await env.model.waitForRequests(2);
    await using restarted = await remote({ listen: 'ws' });
    const reconnects: ReconnectEvent[] = [];
    codex.on('reconnect', (event) => reconnects.push(event));
    const closed = once<TransportClosedError>(codex, 'close');
    proxy.retarget(restarted.server.url);
    proxy.cut();
    const error = await closed;
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(error.cause).toBeInstanceOf(AuthenticationError);
    expect((error.cause as AuthenticationError).status).toBe(401);
    expect(error.message).toMatch(/reconnecting stopped.*refused the connection \(HTTP 401/s);
    expect(codex.closed).toBe(true);
    await expect(result).rejects.toBe(error);
    await expect(seen).rejects.toBe(error);
    await expect(codex.request('thread/list', {})).rejects.toBeInstanceOf(TransportClosedError);
    // One dial after the drop, refused: no second try.
    expect(proxy.accepted).toBe(2);
    expect(reconnects).toEqual([]);
    env.model.releaseHanging();
  });
});

describe('reconnect over unix://', () => {
  it('a turn cut mid-way through a Unix-socket proxy goes on and completes with every item', async () => {
    await using env = await remote({ listen: 'unix' });
    const socketDir = mkdtempSync(path.join(os.tmpdir(), 'sdk-cut-'));
    await using _cleanup = { [Symbol.asyncDispose]: async () => rmSync(socketDir, { recursive: true, force: true }) };
    const socketPath = path.join(socketDir, 'proxy.sock');
    await using proxy = await cutProxy(env.server.url, { socketPath });
    expect(proxy.url).toBe(`unix://${socketPath}`);
    const codex = await env.connect({ url: proxy.url, reconnect: RECONNECT });
    const { thread, turn } = await hangingTurn(env, codex);
    const seen = collect(turn);
    const result = turn.run();
    await env.model.waitForRequests(2);
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.cut();
    expect((await reconnected).threadIds).toEqual([thread.id]);
    env.model.releaseHanging();
    const final = await result;
    expect(final.status).toBe('completed');
    expect(agentTexts(final.items)).toEqual(['before the cut', 'after the cut']);
    expect(agentMessages(await seen)).toEqual(['before the cut', 'after the cut']);
    expect(proxy.accepted).toBe(2);
  });
});

describe('reconnect: a second drop while resuming', () => {
  it.each([
    ['thread/resume', (m: { method?: unknown }) => m.method === 'thread/resume'],
    ['thread/read', (m: { method?: unknown; params?: { includeTurns?: unknown } }) => m.method === 'thread/read' && m.params?.includeTurns === true],
  ])('cut while %s is in flight: the loop goes round again, one reconnect event, the turn has every item', async (method, match) => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, reconnect: RECONNECT });
    const { thread, turn } = await hangingTurn(env, codex);
    const seen = collect(turn);
    const result = turn.run();
    await env.model.waitForRequests(2);
    const reconnects: ReconnectEvent[] = [];
    let disconnects = 0;
    codex.on('reconnect', (event) => reconnects.push(event));
    codex.on('disconnected', () => disconnects++);
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    const trapped = proxy.cutOnClientMessage(match);
    proxy.cut();
    expect((await trapped).method).toBe(method);
    const event = await reconnected;
    // Dials since the drop: the one cut while resuming, and the one that worked.
    expect(event).toMatchObject({ attempts: 2, threadIds: [thread.id] });
    env.model.releaseHanging();
    const final = await result;
    expect(agentTexts(final.items)).toEqual(['before the cut', 'after the cut']);
    expect((await seen).at(-1)?.method).toBe('turn/completed');
    env.model.enqueueFor({ threadId: thread.id }, reply.message('again'));
    expect((await thread.run('two')).finalResponse).toBe('again');
    expect(reconnects).toHaveLength(1);
    expect(disconnects).toBe(1);
    expect(proxy.accepted).toBe(3);
  });
});

describe('reconnect: a thread that cannot be resumed', () => {
  it('its running turn rejects with a TransportClosedError naming the thread and the server’s refusal; the other thread recovers', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, reconnect: RECONNECT });
    const observer = await env.connect();
    const gone = await hangingTurn(env, codex);
    const kept = await hangingTurn(env, codex);
    // Settled as they end (before the reconnect event): caught here, checked below.
    const goneSeen = collect(gone.turn).catch((e: unknown) => e);
    const goneResult = gone.turn.run().catch((e: unknown) => e);
    const keptResult = kept.turn.run();
    await env.model.waitForRequests(4);
    const disconnected = once<TransportClosedError>(codex, 'disconnected');
    proxy.shut(true);
    proxy.cut();
    await disconnected;
    // Meanwhile the thread is deleted: the server no longer knows it.
    await observer.request('turn/interrupt', { threadId: gone.thread.id, turnId: gone.turn.id });
    await storedAsEnded(observer, gone.thread.id, gone.turn.id);
    await observer.request('thread/delete', { threadId: gone.thread.id });
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.shut(false);
    const event = await reconnected;
    expect(event.threadIds).toEqual([kept.thread.id]);
    const error = await goneResult;
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as Error).message).toContain(`thread ${gone.thread.id} could not be resumed`);
    expect((error as Error).cause).toBeInstanceOf(InvalidRequestError);
    expect(await goneSeen).toBe(error);
    // Nothing waits for ever on the lost thread: the next turn there gets the server's answer.
    await expect(gone.thread.run('still there?')).rejects.toBeInstanceOf(InvalidRequestError);
    env.model.releaseHanging();
    const final = await keptResult;
    expect(final.status).toBe('completed');
    expect(agentTexts(final.items)).toEqual(['before the cut', 'after the cut']);
    env.model.enqueueFor({ threadId: kept.thread.id }, reply.message('again'));
    expect((await kept.thread.run('two')).finalResponse).toBe('again');
    expect(codex.closed).toBe(false);
  });
});

describe('reconnect: server requests and local tools pending at the drop', () => {
  it('an approval: the first copy’s signal fires at the drop, the server replays it to the new connection, the turn completes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-reconnect-replay-'));
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const calls: { context: ServerRequestContext; abortedBy?: unknown }[] = [];
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    const codex = await env.connect({
      url: proxy.url,
      reconnect: RECONNECT,
      onServerRequest: {
        'item/commandExecution/requestApproval': async (_params, context) => {
          const call: { context: ServerRequestContext; abortedBy?: unknown } = { context };
          calls.push(call);
          if (calls.length > 1) return { decision: 'accept' };
          asked();
          await new Promise<void>((done) => context.signal.addEventListener('abort', () => done(), { once: true }));
          call.abortedBy = context.signal.reason;
          return { decision: 'decline' };
        },
      },
    });
    const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
    env.model.enqueue(reply.message('first'));
    await thread.run('one');
    env.model.enqueue(
      reply.shell('touch replayed.txt', { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'write a file' } }),
      reply.message('done'),
    );
    const turn = await thread.turn('make a file');
    const result = turn.run();
    await wasAsked;
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.cut();
    await reconnected;
    const final = await result;
    expect(final.status).toBe('completed');
    expect(final.finalResponse).toBe('done');
    expect(final.items.find((i) => i.type === 'commandExecution')).toMatchObject({ status: 'completed' });
    expect(existsSync(path.join(dir, 'replayed.txt'))).toBe(true);
    expect(calls).toHaveLength(2);
    expect(String((calls[0]!.abortedBy as Error).message)).toContain('connection was lost');
    // The replayed copy carries the original id.
    expect(calls[1]!.context.requestId).toBe(calls[0]!.context.requestId);
    expect(calls[1]!.context.signal.aborted).toBe(false);
  });

  it('a local tool call: its signal fires at the drop; the replayed call runs the tool again and the turn completes', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const contexts: ToolCallContext[] = [];
    let abortedBy: unknown;
    let called!: () => void;
    const wasCalled = new Promise<void>((resolve) => (called = resolve));
    const weather = tool<{ city: string }>({
      name: 'get_weather',
      description: 'Current weather for a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: async ({ city }, context) => {
        contexts.push(context);
        if (contexts.length > 1) return `Sunny in ${city}`;
        called();
        await new Promise<void>((done) => context.signal.addEventListener('abort', () => done(), { once: true }));
        abortedBy = context.signal.reason;
        return 'too late';
      },
    });
    const codex = await env.connect({ url: proxy.url, reconnect: RECONNECT });
    const thread = await codex.threadStart({ tools: [weather] });
    env.model.enqueue(reply.message('first'));
    await thread.run('one');
    env.model.enqueue(reply.response([output.functionCall('get_weather', { city: 'Paris' }, { callId: 'call_cut' })]), reply.message('It is sunny.'));
    const result = thread.run('Weather in Paris?');
    await wasCalled;
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.cut();
    await reconnected;
    const final = await result;
    expect(final.finalResponse).toBe('It is sunny.');
    expect(abortedBy).toBeInstanceOf(Error);
    expect(String((abortedBy as Error).message)).toContain('connection was lost');
    expect(contexts).toHaveLength(2);
    expect(contexts[1]).toMatchObject({ callId: 'call_cut', threadId: thread.id });
    expect(env.model.requests.at(-1)!.functionCallOutput('call_cut')?.output).toBe('Sunny in Paris');
  });
});

/** Client A on the server, client B through the proxy with reconnect, both on A's thread after its first turn. */
async function sharedThread(env: Remote, proxyUrl: string) {
  const a = await env.connect();
  const b = await env.connect({ url: proxyUrl, reconnect: RECONNECT });
  const threadOfA = await a.threadStart();
  env.model.enqueue(reply.message('first'));
  await threadOfA.run('one');
  const threadOfB = await b.threadResume(threadOfA.id);
  return { a, b, threadOfA, threadOfB };
}

describe('reconnect: another client’s turn that ends during the gap', () => {
  it('the handle from thread.turns() gets the recovered turn/completed, and the next thread.turn() runs', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const { b, threadOfA, threadOfB } = await sharedThread(env, proxy.url);
    const firstForeign = firstTurnOf(threadOfB);
    env.model.enqueue(reply.hang({ before: [output.message('before the cut')], after: [output.message('in the gap')] }));
    const turnOfA = await threadOfA.turn('long task');
    const resultOfA = turnOfA.run();
    await env.model.waitForRequests(2);
    const foreign = (await firstForeign)!;
    expect(foreign.id).toBe(turnOfA.id);
    const seenByB = collect(foreign);
    const resultOfB = foreign.run();
    const disconnected = once<TransportClosedError>(b, 'disconnected');
    proxy.shut(true);
    proxy.cut();
    await disconnected;
    env.model.releaseHanging();
    expect((await resultOfA).finalResponse).toBe('in the gap');
    const reconnected = once<ReconnectEvent>(b, 'reconnect');
    proxy.shut(false);
    expect((await reconnected).recoveredTurnIds).toEqual([turnOfA.id]);
    const final = await resultOfB;
    expect(final.status).toBe('completed');
    expect(agentTexts(final.items)).toEqual(['before the cut', 'in the gap']);
    expect((await seenByB).at(-1)?.method).toBe('turn/completed');
    // B's tracker knows the thread is idle: B's own turn starts (not folded into A's, not stuck).
    env.model.enqueue(reply.message('from B'));
    const next = await threadOfB.run('two');
    expect(next.id).not.toBe(turnOfA.id);
    expect(next.finalResponse).toBe('from B');
  });
});

describe('reconnect: another client’s turn that starts during the gap', () => {
  it('is handed out by thread.turns() after the reconnect, and this client’s next turn waits for it', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const { a, b, threadOfA, threadOfB } = await sharedThread(env, proxy.url);
    const firstForeign = firstTurnOf(threadOfB);
    const disconnected = once<TransportClosedError>(b, 'disconnected');
    proxy.shut(true);
    proxy.cut();
    await disconnected;
    // A starts a turn while B is away; it is still running when B is back.
    env.model.enqueue(reply.hang({ before: [output.message('started in the gap')], after: [output.message('ended after')] }), reply.message('from B'));
    const turnOfA = await threadOfA.turn('long task');
    const resultOfA = turnOfA.run();
    await env.model.waitForRequests(2);
    await storedItem(a, threadOfA.id, turnOfA.id, 'started in the gap');
    const reconnected = once<ReconnectEvent>(b, 'reconnect');
    proxy.shut(false);
    expect((await reconnected).recoveredTurnIds).toEqual([turnOfA.id]);
    const foreign = (await firstForeign)!;
    expect(foreign.id).toBe(turnOfA.id);
    const resultOfB = foreign.run();
    // Sent now, B's turn would fold into A's: it waits until A's turn is over.
    const next = threadOfB.run('two');
    env.model.releaseHanging();
    expect((await resultOfA).finalResponse).toBe('ended after');
    const final = await resultOfB;
    expect(final.status).toBe('completed');
    expect(agentTexts(final.items)).toEqual(['started in the gap', 'ended after']);
    const own = await next;
    expect(own.id).not.toBe(turnOfA.id);
    expect(own.finalResponse).toBe('from B');
  });
});

/** Waits until the server stored an agent message `text` in `turnId`. */
async function storedItem(observer: Codex, threadId: string, turnId: string, text: string): Promise<void> {
  for (;;) {
    const { thread } = await observer.request('thread/read', { threadId, includeTurns: true });
    const turn = thread.turns.find((t) => t.id === turnId);
    if (turn !== undefined && agentTexts(turn.items).includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reconnect: threads this client let go', () => {
  it('does not resume a thread it unsubscribed from or archived', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, reconnect: RECONNECT });
    const [kept, unsubscribed, archived] = [await codex.threadStart(), await codex.threadStart(), await codex.threadStart()];
    for (const thread of [kept, unsubscribed, archived]) {
      env.model.enqueueFor({ threadId: thread.id }, reply.message('done'));
      await thread.run('one');
    }
    expect(await codex.request('thread/unsubscribe', { threadId: unsubscribed.id })).toEqual({ status: 'unsubscribed' });
    await codex.threadArchive(archived.id);
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.cut();
    // Only the thread still held is resumed: a resume would subscribe this client to the others again.
    expect((await reconnected).threadIds).toEqual([kept.id]);
    env.model.enqueueFor({ threadId: kept.id }, reply.message('still here'));
    expect((await kept.run('two')).finalResponse).toBe('still here');
  });
});
