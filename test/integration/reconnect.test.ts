import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransportClosedError, type ReconnectEvent, type TurnHandle } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { remote } from '../helpers/remote.js';
import { agentMessages, collect, once, storedAsEnded } from '../helpers/events.js';

// A connection to the real app-server over ws:// cut mid-turn by a TCP proxy of the test's own:
// without `reconnect` the client closes; with it, the running turn goes on across the gap.

describe('a connection cut mid-turn', () => {
  it('without reconnect: the turn and pending calls reject with TransportClosedError and the client closes', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url });
    const closed = once<TransportClosedError>(codex, 'close');
    env.model.enqueue(reply.hang({ before: [output.message('working')] }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('long task');
    await env.model.waitForRequests(1);
    const result = turn.run();
    proxy.cut();
    await expect(result).rejects.toBeInstanceOf(TransportClosedError);
    expect(await closed).toBeInstanceOf(TransportClosedError);
    expect(codex.closed).toBe(true);
    expect(proxy.accepted).toBe(1);
    env.model.releaseHanging();
  });

  it('with reconnect: the for-await goes on after the reconnect and run() has every item', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
    env.model.enqueue(reply.message('first'));
    const thread = await codex.threadStart();
    await thread.run('one'); // a thread is resumable once it has a turn
    env.model.enqueue(reply.hang({ before: [output.message('before the cut')], after: [output.message('after the cut')] }));
    const turn = await thread.turn('long task');
    const seen = collect(turn);
    const result = turn.run();
    await env.model.waitForRequests(2);
    const disconnected = once<TransportClosedError>(codex, 'disconnected');
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    const inFlight = codex.request('thread/list', {});
    proxy.cut();
    expect(await disconnected).toBeInstanceOf(TransportClosedError);
    // Not safe to replay: a call in flight at the drop rejects.
    await expect(inFlight).rejects.toBeInstanceOf(TransportClosedError);
    const event = await reconnected;
    expect(event.threadIds).toEqual([thread.id]);
    expect(codex.closed).toBe(false);
    env.model.releaseHanging();
    const notifications = await seen;
    expect(notifications.at(-1)?.method).toBe('turn/completed');
    const final = await result;
    expect(final.status).toBe('completed');
    expect(final.items.filter((i) => i.type === 'agentMessage').map((i) => (i.type === 'agentMessage' ? i.text : ''))).toEqual([
      'before the cut',
      'after the cut',
    ]);
    expect(agentMessages(notifications)).toEqual(['before the cut', 'after the cut']);
    // The client works on after the reconnect.
    env.model.enqueue(reply.message('again'));
    expect((await thread.run('two')).finalResponse).toBe('again');
    expect(proxy.accepted).toBe(2);
  });

  it('with reconnect: a turn that ended during the gap ends with the turn/completed and items the server stored', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const codex = await env.connect({ url: proxy.url, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
    env.model.enqueue(reply.message('first'));
    const thread = await codex.threadStart();
    await thread.run('one');
    env.model.enqueue(reply.hang({ before: [output.message('before the cut')], after: [output.message('in the gap')] }));
    const turn: TurnHandle = await thread.turn('long task');
    const seen = collect(turn);
    const result = turn.run();
    await env.model.waitForRequests(2);
    const disconnected = once<TransportClosedError>(codex, 'disconnected');
    proxy.shut(true);
    proxy.cut();
    await disconnected;
    // The turn finishes while nobody is connected.
    env.model.releaseHanging();
    await storedAsEnded(await env.connect(), thread.id, turn.id);
    const reconnected = once<ReconnectEvent>(codex, 'reconnect');
    proxy.shut(false);
    const event = await reconnected;
    expect(event.recoveredTurnIds).toEqual([turn.id]);
    const final = await result;
    expect(final.status).toBe('completed');
    expect(final.finalResponse).toBe('in the gap');
    const notifications = await seen;
    expect(notifications.at(-1)?.method).toBe('turn/completed');
    expect(agentMessages(notifications)).toEqual(['before the cut', 'in the gap']);
  });
});

describe('server requests at a drop', () => {
  it('with reconnect: a handler waiting at the drop sees its signal fire (its answer can no longer be sent)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-reconnect-approval-'));
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    const reason = new Promise<unknown>((resolve) => {
      void env
        .connect({
          url: proxy.url,
          reconnect: { minDelayMs: 20, maxDelayMs: 100 },
          onServerRequest: {
            'item/commandExecution/requestApproval': async (_params, context) => {
              asked();
              await new Promise<void>((done) => context.signal.addEventListener('abort', () => done(), { once: true }));
              resolve(context.signal.reason);
              return { decision: 'decline' };
            },
          },
        })
        .then(async (codex) => {
          env.model.enqueue(reply.message('first'));
          const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
          await thread.run('one');
          env.model.enqueue(
            reply.shell('touch cut.txt', { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'write a file' } }),
            reply.message('done'),
          );
          void thread.turn('make a file').catch(() => undefined);
        });
    });
    await wasAsked;
    proxy.cut();
    expect(String((await reason as Error).message)).toContain('connection was lost');
  });
});

describe('reconnect gives up', () => {
  it('when the retries run out, or close() is called during the gap: the client closes and the turn rejects', async () => {
    await using env = await remote({ listen: 'ws' });
    await using proxy = await cutProxy(env.server.url);
    const giving = await env.connect({ url: proxy.url, reconnect: { retries: 2, minDelayMs: 10, maxDelayMs: 20 } });
    const closing = await env.connect({ url: proxy.url, reconnect: { retries: 1000, minDelayMs: 10, maxDelayMs: 20 } });
    env.model.enqueue(reply.message('first'), reply.hang());
    const thread = await giving.threadStart();
    await thread.run('one');
    const turn = await thread.turn('long task');
    const result = turn.run();
    await env.model.waitForRequests(2);
    const closedA = once<TransportClosedError>(giving, 'close');
    const disconnectedB = once<TransportClosedError>(closing, 'disconnected');
    const closedB = once<TransportClosedError>(closing, 'close');
    proxy.shut(true);
    proxy.cut();
    expect(await closedA).toBeInstanceOf(TransportClosedError);
    expect(giving.closed).toBe(true);
    await expect(result).rejects.toBeInstanceOf(TransportClosedError);
    await disconnectedB;
    expect(closing.closed).toBe(false);
    await closing.close();
    expect(await closedB).toBeInstanceOf(TransportClosedError);
    expect(closing.closed).toBe(true);
    await expect(closing.request('thread/list', {})).rejects.toBeInstanceOf(TransportClosedError);
    env.model.releaseHanging();
  });
});
