import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  TransportClosedError,
  TurnTimeoutError,
  type Codex,
  type Notification,
  type ProtocolError,
  type ServerRequestContext,
} from '../../src/index.js';
import { eventually, startFake, type FakeScript } from '../helpers/fake-server.js';
import { settlement, sleep, within } from '../helpers/reliability.js';

const PENDING_HANDLER_EXIT = fileURLToPath(new URL('../fixtures/pending-handler-exit.ts', import.meta.url));

// What the real server cannot be made to do on cue: ignore turn/interrupt, never send
// turn/started, withdraw a server request, ask before turn/start has answered, close a thread.
// The fake app-server (test/fixtures/fake-app-server.mjs) plays the server.

const THREAD = { thread: { id: 't' }, model: 'm' };
const turnObject = (id: string, status = 'inProgress') => ({ id, status, items: [], error: null });
const started = (id: string) => ({ notify: { method: 'turn/started', params: { threadId: 't', turn: turnObject(id) } } });
const completed = (id: string, status = 'completed') => ({ notify: { method: 'turn/completed', params: { threadId: 't', turn: turnObject(id, status) } } });

/** A server that starts turns but never stops them: turn/interrupt is answered and ignored. */
function stubborn(extra: FakeScript = {}): FakeScript {
  return {
    'thread/start': [{ reply: THREAD }],
    'turn/start': [{ reply: { turn: turnObject('u1') } }, started('u1')],
    'turn/interrupt': [{ reply: {} }],
    ...extra,
  };
}

/** Answers to server requests, as the fake echoes them back (`$echoResponses`). */
function answers(codex: Codex): { readonly seen: Array<{ id: number; result?: unknown; error?: unknown }>; next(): Promise<{ id: number; result?: unknown; error?: unknown }> } {
  const seen: Array<{ id: number; result?: unknown; error?: unknown }> = [];
  const iterator = codex.notifications()[Symbol.asyncIterator]();
  return {
    seen,
    async next() {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) throw new Error('notifications ended');
        const n = value as Notification;
        if (n.method === ('fake/response' as never)) {
          seen.push(n.params as never);
          return n.params as never;
        }
      }
    },
  };
}

describe('reliability: a server that does not cooperate', () => {
  it('a turn deadline settles within the grace period when the server ignores turn/interrupt; the thread stays busy until the server says otherwise', async () => {
    await using codex = await startFake(stubborn(), { interruptGraceMs: 300 });
    const thread = await codex.threadStart();
    const before = performance.now();
    const outcome = await within(settlement(thread.run('never ends', { timeoutMs: 200 })), 5_000, 'run() past its deadline');
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    const error = outcome.error as TurnTimeoutError;
    expect(error.reason).toBe('deadline');
    expect(error.turn?.id).toBe('u1');
    expect(error.turn?.status).toBe('inProgress');
    expect(outcome.at - before).toBeGreaterThanOrEqual(450);

    // The server never said the turn ended: the next turn waits (here until its own deadline)
    // instead of sending turn/start into the running one.
    const next = await within(settlement(thread.run('next', { timeoutMs: 300 })), 5_000, 'the next run()');
    expect(next.error).toBeInstanceOf(TurnTimeoutError);
    expect((next.error as TurnTimeoutError).turn).toBeUndefined();
    // close() still ends everything.
    await within(codex.close(), 5_000, 'close()');
  });

  it('an abort settles within the grace period when the server ignores turn/interrupt', async () => {
    await using codex = await startFake(stubborn(), { interruptGraceMs: 300 });
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn('never ends', { signal: controller.signal });
    controller.abort(new Error('user pressed stop'));
    const outcome = await within(settlement(turn.run()), 5_000, 'run() after abort');
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(turn.done).toBe(true);
  });

  it('close() ends a turn stuck waiting for a stubborn server, and the turn waiting behind it', async () => {
    const codex = await startFake(stubborn(), { interruptGraceMs: 60_000 });
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn('never ends', { signal: controller.signal });
    const queued = settlement(thread.turn('behind it'));
    controller.abort();
    const running = settlement(turn.run());
    await sleep(100);
    await within(codex.close(), 5_000, 'close()');
    expect((await within(running, 5_000, 'run()')).error).toBeInstanceOf(AbortError);
    expect((await within(queued, 5_000, 'queued turn()')).error).toBeInstanceOf(TransportClosedError);
  });

  it('the stall clock stops while a server-request handler of the turn is deciding', async () => {
    const retry = { notify: { method: 'error', params: { threadId: 't', turnId: 'u1', willRetry: true, error: { message: 'Reconnecting... 1/5' } } } };
    const ask = { request: { id: 3, method: 'item/tool/call', params: { threadId: 't', turnId: 'u1', callId: 'c', tool: 'slow', arguments: {} } } };
    await using codex = await startFake(
      {
        'thread/start': [{ reply: THREAD }],
        // Retry errors, then a question whose handler takes far longer than stallTimeoutMs.
        'turn/start': [{ reply: { turn: turnObject('u1') } }, started('u1'), retry, ask, { sleep: 1_500 }, completed('u1')],
      },
      // The handler decides until its turn ends (its signal fires at turn/completed).
      { onServerRequest: { 'item/tool/call': (_p, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ contentItems: [], success: true }))) } },
    );
    const thread = await codex.threadStart();
    const result = await within(thread.run('go', { stallTimeoutMs: 300 }), 10_000, 'run()');
    expect(result.status).toBe('completed');
  });

  it('interrupt() works without turn/started: it uses the id the server answered', async () => {
    await using codex = await startFake({
      'thread/start': [{ reply: THREAD }],
      // The server answers turn/start but its turn/started never reaches this client.
      'turn/start': [{ reply: { turn: turnObject('u1') } }],
      'turn/interrupt': [{ reply: {} }, completed('u1', 'interrupted')],
    });
    const thread = await codex.threadStart();
    const turn = await thread.turn('go');
    await within(turn.interrupt(), 5_000, 'interrupt()');
    const result = await within(turn.run(), 5_000, 'run()');
    expect(result.status).toBe('interrupted');
  });
});

describe('reliability: server-request handlers are told when to stop', () => {
  const toolCall = (id: number, turnId = 'u1') => ({
    request: { id, method: 'item/tool/call', params: { threadId: 't', turnId, callId: `c${id}`, tool: 'lookup', arguments: {} } },
  });
  /** A request the client refuses at once: its answer shows what was written before it. */
  const PROBE = { request: { id: 99, method: 'brand/new', params: {} } };
  const waitForAbort = (context: ServerRequestContext, reasons: string[]): Promise<never> =>
    new Promise((_, reject) =>
      context.signal.addEventListener('abort', () => {
        reasons.push(String((context.signal.reason as Error).message));
        reject(new Error('stopped'));
      }),
    );

  it('fires the signal when the server withdraws the request (serverRequest/resolved), and writes no answer', async () => {
    const reasons: string[] = [];
    const errors: ProtocolError[] = [];
    await using codex = await startFake(
      {
        $echoResponses: true,
        'x/go': [{ reply: {} }, toolCall(5), { sleep: 200 }, { notify: { method: 'serverRequest/resolved', params: { threadId: 't', requestId: 5 } } }],
        'x/probe': [{ reply: {} }, PROBE],
      },
      { onServerRequest: { 'item/tool/call': (_p, context) => waitForAbort(context, reasons) } },
    );
    codex.on('error', (e) => errors.push(e));
    const echo = answers(codex);
    await codex.rawRequest('x/go', {});
    await eventually(() => reasons.length > 0, 5_000);
    expect(reasons).toEqual([expect.stringContaining('withdrew')]);
    // Nothing is written for the withdrawn request: the next answer is the probe's.
    await codex.rawRequest('x/probe', {});
    expect((await within(echo.next(), 5_000, 'the probe’s answer')).id).toBe(PROBE.request.id);
    expect(errors).toEqual([]);
  });

  it('fires the signal when the request’s turn ends, and writes no answer', async () => {
    const reasons: string[] = [];
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, toolCall(6), { sleep: 200 }, completed('u1', 'interrupted')], 'x/probe': [{ reply: {} }, PROBE] },
      { onServerRequest: { 'item/tool/call': (_p, context) => waitForAbort(context, reasons) } },
    );
    const echo = answers(codex);
    await codex.rawRequest('x/go', {});
    await eventually(() => reasons.length > 0, 5_000);
    expect(reasons).toEqual([expect.stringContaining('u1')]);
    // The turn is over: nothing is written for its request, the next answer is the probe's.
    await codex.rawRequest('x/probe', {});
    expect((await within(echo.next(), 5_000, 'the probe’s answer')).id).toBe(PROBE.request.id);
  });

  it('fires the signal at close, and reports no handlerFailed afterwards', async () => {
    const reasons: string[] = [];
    const errors: ProtocolError[] = [];
    let called!: () => void;
    const handlerRunning = new Promise<void>((resolve) => (called = resolve));
    const codex = await startFake(
      { 'x/go': [{ reply: {} }, toolCall(7)] },
      {
        serverRequestTimeoutMs: 300,
        onServerRequest: { 'item/tool/call': (_p, context) => (called(), waitForAbort(context, reasons)) },
      },
    );
    codex.on('error', (e) => errors.push(e));
    await codex.rawRequest('x/go', {});
    await within(handlerRunning, 5_000, 'the handler call');
    await within(codex.close(), 5_000, 'close()');
    await eventually(() => reasons.length > 0, 5_000);
    expect(reasons).toEqual([expect.stringContaining('closed')]);
    // Past the handler's deadline: nothing is reported for a client that has closed.
    await sleep(500);
    expect(errors).toEqual([]);
  });

  it('a handler that never answers does not keep the process alive after close()', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', PENDING_HANDLER_EXIT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Before the fix the deadline timer (300 s here) held the process until it fired.
      expect(await within(exited, 20_000, 'the process exiting after close()')).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(output.trim()).toBe('closed');
  }, 30_000);

  it('a server request that arrives before turn/start has answered reaches that turn’s own handler', async () => {
    const calls: string[] = [];
    await using codex = await startFake(
      {
        $echoResponses: true,
        'thread/start': [{ reply: THREAD }],
        'turn/start': [toolCall(9), { sleep: 300 }, { reply: { turn: turnObject('u1') } }, started('u1'), completed('u1')],
      },
      { onServerRequest: { 'item/tool/call': () => (calls.push('client'), { contentItems: [], success: false }) } },
    );
    const thread = await codex.threadStart();
    const echo = answers(codex);
    const result = await thread.run('go', {
      onServerRequest: { 'item/tool/call': () => (calls.push('turn'), { contentItems: [{ type: 'inputText', text: 'from the turn' }], success: true }) },
    });
    expect(result.status).toBe('completed');
    expect(calls).toEqual(['turn']);
    expect((await within(echo.next(), 5_000, 'the answer')).result).toMatchObject({ success: true });
  });

  it('releases a thread’s handlers once the thread is closed: later requests get the client’s', async () => {
    const calls: string[] = [];
    await using codex = await startFake(
      {
        $echoResponses: true,
        'thread/start': [{ reply: THREAD }],
        'x/before': [{ reply: {} }, toolCall(1, 'none')],
        'x/after': [{ reply: {} }, { notify: { method: 'thread/closed', params: { threadId: 't' } } }, toolCall(2, 'none')],
      },
      { onServerRequest: { 'item/tool/call': () => (calls.push('client'), { contentItems: [], success: false }) } },
    );
    await codex.threadStart({ onServerRequest: { 'item/tool/call': () => (calls.push('thread'), { contentItems: [], success: true }) } });
    const echo = answers(codex);
    await codex.rawRequest('x/before', {});
    await within(echo.next(), 5_000, 'the first answer');
    await codex.rawRequest('x/after', {});
    await within(echo.next(), 5_000, 'the second answer');
    expect(calls).toEqual(['thread', 'client']);
  });
});
