import { describe, expect, it } from 'vitest';
import { Codex, ServerBusyError, TurnFailedError, retryOnOverload } from '../../src/index.js';
import { DEFAULT_SCRIPTED_USAGE, OVERLOAD_ERROR, ScriptedModel, overloadLaunchArgs, reply } from '../../src/testing.js';
import { eventually } from '../helpers/fake-server.js';
import { descendantsOf, survivors } from '../helpers/leaks.js';
import { scripted } from '../helpers/scripted.js';

// The helpers of `codex-app-server-sdk/testing` that users' own tests lean on, against the real
// app-server: replies matched to a thread or a prompt, usage by default, overload on cue.

describe('testing helpers: replies matched to a thread or a prompt', () => {
  it('gives each thread its own replies, whichever thread asks first', async () => {
    await using s = await scripted();
    const [a, b] = await Promise.all([s.codex.threadStart(), s.codex.threadStart()]);
    // A's replies are queued first; B's turn runs first. First-in, first-out would hand B A's answer.
    s.model.enqueueFor({ threadId: a.id }, reply.message('answer for A'));
    s.model.enqueueFor({ threadId: b.id }, reply.message('answer for B'));
    const resultB = await b.run('hello');
    const resultA = await a.run('hello');
    expect(resultB.finalResponse).toBe('answer for B');
    expect(resultA.finalResponse).toBe('answer for A');
    expect(s.model.requests.map((r) => r.threadId)).toEqual([b.id, a.id]);
    expect(s.model.pendingReplies).toBe(0);
  });

  it('answers concurrent turns on two threads from their own queues', async () => {
    await using s = await scripted();
    const [a, b] = await Promise.all([s.codex.threadStart(), s.codex.threadStart()]);
    s.model.enqueueFor({ threadId: a.id }, reply.shell('echo from-a'), reply.message('A ran its command'));
    s.model.enqueueFor({ threadId: b.id }, reply.message('B answered at once'));
    const [resultA, resultB] = await Promise.all([a.run('go'), b.run('go')]);
    expect(resultA.finalResponse).toBe('A ran its command');
    expect(resultA.items.find((item) => item.type === 'commandExecution')).toMatchObject({ command: expect.stringContaining('echo from-a') });
    expect(resultB.finalResponse).toBe('B answered at once');
  });

  it('matches a prompt, follow-up requests of the same turn included, before the FIFO queue', async () => {
    await using s = await scripted();
    const thread = await s.codex.threadStart();
    s.model.enqueue(reply.message('general answer'));
    s.model.enqueueFor({ prompt: /deploy/i }, reply.shell('echo deploying'), reply.message('Deployed.'));
    const deploy = await thread.run('Please DEPLOY the app');
    const other = await thread.run('What time is it?');
    expect(deploy.finalResponse).toBe('Deployed.');
    expect(other.finalResponse).toBe('general answer');
    expect(s.model.requests.map((r) => r.lastUserText)).toEqual(['Please DEPLOY the app', 'Please DEPLOY the app', 'What time is it?']);
  });

  it('fails a turn no queue can answer, naming the replies that wait for other requests', async () => {
    await using s = await scripted();
    const thread = await s.codex.threadStart();
    s.model.enqueueFor({ prompt: 'deploy' }, reply.message('Deployed.'));
    const failure = await thread.run('something else').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TurnFailedError);
    expect((failure as TurnFailedError).message).toContain('no reply queued for request #1 (replies wait only for: prompt containing "deploy")');
    expect(s.model.pendingReplies).toBe(1);
  });
});

describe('testing helpers: token usage', () => {
  it('reports usage by default, so run() has usage offline', async () => {
    await using s = await scripted();
    const thread = await s.codex.threadStart();
    s.model.enqueue(reply.message('hi'));
    const result = await thread.run('hello');
    expect(result.usage?.last).toMatchObject({
      inputTokens: DEFAULT_SCRIPTED_USAGE.inputTokens,
      outputTokens: DEFAULT_SCRIPTED_USAGE.outputTokens,
      totalTokens: DEFAULT_SCRIPTED_USAGE.totalTokens,
    });
  });

  it('reports no usage with usage: null', async () => {
    await using s = await scripted();
    const thread = await s.codex.threadStart();
    s.model.enqueue(reply.message('hi', { usage: null }));
    const result = await thread.run('hello');
    expect(result.status).toBe('completed');
    expect(result.usage).toBeNull();
  });
});

describe('testing helpers: overload on cue (overloadLaunchArgs)', () => {
  it('refuses the first N requests of a method with the server busy answer; retryOnOverload gets through', async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    await using codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ 'thread/list': 2 }) });
    const retried: unknown[] = [];
    const list = await retryOnOverload(() => codex.request('thread/list', {}), { minDelayMs: 1, onRetry: (error) => retried.push(error) });
    expect(list).toMatchObject({ data: expect.any(Array) });
    expect(retried).toHaveLength(2);
    for (const error of retried) {
      expect(error).toBeInstanceOf(ServerBusyError);
      expect(error).toMatchObject({ code: OVERLOAD_ERROR.code, message: expect.stringContaining(OVERLOAD_ERROR.message), method: 'thread/list' });
    }
  });

  it('without a retry, the call rejects with ServerBusyError; other methods are untouched', async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    await using codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ 'thread/list': 1 }) });
    await expect(codex.request('thread/list', {})).rejects.toBeInstanceOf(ServerBusyError);
    await expect(codex.request('thread/list', {})).resolves.toMatchObject({ data: expect.any(Array) });
  });

  it('can refuse turn/start, and a retried turn then runs', async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.message('after the overload'));
    await using home = await model.createCodexHome();
    await using codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ 'turn/start': 1 }) });
    const thread = await codex.threadStart();
    let retries = 0;
    const result = await retryOnOverload(() => thread.run('hello'), { minDelayMs: 1, onRetry: () => void retries++ });
    expect(retries).toBe(1);
    expect(result.finalResponse).toBe('after the overload');
    expect(model.requests).toHaveLength(1);
  });

  it('gives up after the attempts run out, and leaves no process behind on close', async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    // '*' spares initialize, so the client starts.
    const codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ '*': 5 }) });
    await expect(retryOnOverload(() => codex.request('thread/list', {}), { attempts: 3, minDelayMs: 1 })).rejects.toBeInstanceOf(ServerBusyError);
    const relay = codex.pid!;
    const processes = [relay, ...descendantsOf(relay).map((p) => p.pid)];
    expect(processes.length).toBeGreaterThanOrEqual(2); // the relay and codex behind it
    await codex.close();
    await eventually(() => survivors(processes).length === 0, 5_000);
  });

  it('rejects a plan that is not counts per method', () => {
    expect(() => overloadLaunchArgs({ 'thread/list': -1 })).toThrow(RangeError);
    expect(() => overloadLaunchArgs({ 'thread/list': 1.5 })).toThrow(/non-negative integer/);
  });
});
