import { describe, expect, it } from 'vitest';
import {
  AbortError,
  Codex,
  CodexBinaryNotFoundError,
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  RequestTimeoutError,
  SCHEMA_CODEX_VERSION,
  TransportClosedError,
  UnsupportedFeatureError,
  type Notification,
} from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { eventually, isAlive } from '../helpers/fake-server.js';
import { scripted, TEST_CODEX_VERSION } from '../helpers/scripted.js';

// Everything here runs the real `codex app-server` of the pinned @openai/codex, offline,
// against the scripted model.

/** Reads notifications until `turn/completed` for `turnId`. */
async function untilTurnCompleted(stream: AsyncIterable<Notification>, turnId: () => string | undefined): Promise<Notification[]> {
  const seen: Notification[] = [];
  for await (const n of stream) {
    seen.push(n);
    if (n.method === 'turn/completed' && n.params.turn.id === turnId()) break;
  }
  return seen;
}

const sleepCommand = (seconds: number) => ({ command: ['sleep', String(seconds)], sandboxPolicy: { type: 'dangerFullAccess' as const } });

describe('Codex client against the real app-server', () => {
  it('initializes and exposes the server metadata, version and pid', async () => {
    await using env = await scripted();
    const { codex, home } = env;
    expect(codex.metadata.codexHome).toBe(home.path);
    expect(codex.metadata.userAgent.startsWith(`codex_app_server_sdk/${TEST_CODEX_VERSION} `)).toBe(true);
    expect(codex.serverVersion).toBe(TEST_CODEX_VERSION);
    expect(codex.metadata.platformFamily).toBe('unix');
    expect(isAlive(codex.pid!)).toBe(true);
  });

  it('rawRequest() takes the params as optional, as request() does', async () => {
    await using env = await scripted();
    const { codex } = env;
    const typed = await codex.request('model/list');
    expect(await codex.rawRequest('model/list')).toEqual(typed);
    expect(await codex.rawRequest('model/list', undefined, { timeoutMs: 10_000 })).toEqual(typed);
  });

  it('runs a raw thread/start + turn/start whose notifications arrive through notifications()', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('Hello from the scripted model', { deltas: 4 }));
    const stream = codex.notifications();
    const { thread } = await codex.request('thread/start', {});
    const started: { turnId?: string } = {};
    const reading = untilTurnCompleted(stream, () => started.turnId);
    const { turn } = await codex.request('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'hi' }] });
    started.turnId = turn.id;
    const seen = await reading;
    await stream.return?.();

    const methods = seen.map((n) => n.method);
    expect(methods.indexOf('turn/started')).toBeGreaterThanOrEqual(0);
    expect(methods.indexOf('turn/started')).toBeLessThan(methods.indexOf('item/agentMessage/delta'));
    const deltas = seen.flatMap((n) => (n.method === 'item/agentMessage/delta' ? [n.params.delta] : []));
    expect(deltas).toHaveLength(4);
    expect(deltas.join('')).toBe('Hello from the scripted model');
    const completed = seen.at(-1)!;
    expect(completed.method === 'turn/completed' && completed.params.turn.status).toBe('completed');
    expect(model.requests[0]!.lastUserText).toBe('hi');
  });

  it('suppresses the notifications named in optOutNotificationMethods', async () => {
    await using env = await scripted({ codex: { optOutNotificationMethods: ['item/agentMessage/delta'] } });
    const { codex, model } = env;
    model.enqueue(reply.message('quiet please', { deltas: 3 }));
    const stream = codex.notifications();
    const { thread } = await codex.request('thread/start', {});
    const started: { turnId?: string } = {};
    const reading = untilTurnCompleted(stream, () => started.turnId);
    started.turnId = (await codex.request('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'hi' }] })).turn.id;
    const methods = (await reading).map((n) => n.method);
    expect(methods).toContain('item/completed');
    expect(methods).not.toContain('item/agentMessage/delta');
  });

  it('gives typed errors for an unknown method, bad params and a refused request', async () => {
    await using env = await scripted();
    const { codex } = env;
    const unknown = await codex.rawRequest('foo/bar', {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MethodNotFoundError);
    expect(unknown).toMatchObject({ code: -32600, method: 'foo/bar' });
    expect(unknown).toBeInstanceOf(UnsupportedFeatureError);
    expect((unknown as UnsupportedFeatureError).serverMessage).toMatch(/^Invalid request: unknown variant `foo\/bar`/);
    expect((unknown as Error).message).toBe(
      `codex app-server ${TEST_CODEX_VERSION} does not have the method foo/bar (the SDK's types come from codex ${SCHEMA_CODEX_VERSION})`,
    );
    expect((unknown as MethodNotFoundError).message.length).toBeLessThan(200);
    expect((unknown as MethodNotFoundError).serverMessage).toMatch(/^Invalid request: unknown variant `foo\/bar`, expected one of .*`thread\/start`/);

    const badEnum = await codex
      .request('thread/start', { approvalPolicy: 'bogus' as unknown as 'never' })
      .catch((e: unknown) => e);
    expect(badEnum).toBeInstanceOf(InvalidParamsError);
    expect((badEnum as Error).message).toContain('unknown variant `bogus`');

    const missing = await codex.rawRequest('turn/start', {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvalidParamsError);
    expect((missing as Error).message).toBe('Invalid params for turn/start: missing field `threadId`');
    expect((missing as InvalidParamsError).serverMessage).toBe('Invalid request: missing field `threadId`');

    const noThread = await codex
      .request('turn/interrupt', { threadId: '019a0000-0000-7000-8000-000000000000', turnId: 'x' })
      .catch((e: unknown) => e);
    expect(noThread).toBeInstanceOf(InvalidRequestError);
    expect((noThread as Error).message).toBe('thread not found: 019a0000-0000-7000-8000-000000000000');

    const twice = await codex.rawRequest('initialize', { clientInfo: { name: 'x', version: '1' } }).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(InvalidRequestError);
    expect((twice as Error).message).toBe('Already initialized');
  });

  it('times out a slow request, aborts another, and keeps the connection usable', async () => {
    await using env = await scripted();
    const { codex } = env;
    const started = Date.now();
    const timedOut = await codex.request('command/exec', sleepCommand(5), { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - started).toBeLessThan(4_000);

    const controller = new AbortController();
    const aborted = codex.request('command/exec', sleepCommand(5), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(aborted).rejects.toBeInstanceOf(AbortError);

    const echoed = await codex.request('command/exec', { command: ['echo', 'still here'], sandboxPolicy: { type: 'dangerFullAccess' } });
    expect(echoed.stdout.trim()).toBe('still here');
  });

  it('passes config values literally: a hostile string cannot inject another key', async () => {
    const hostile = 'mock-model"\nmodel_provider = "evil"\n$(touch /tmp/pwned) `id` \\ \'quoted\'';
    await using env = await scripted({ codex: { config: { model: hostile } } });
    const { thread, model, modelProvider } = await env.codex.request('thread/start', {});
    expect(thread.id).toBeTruthy();
    expect(model).toBe(hostile);
    expect(modelProvider).toBe(env.model.providerId);
  });

  it('rejects pending requests with TransportClosedError when the binary dies mid-request', async () => {
    await using env = await scripted();
    const { codex } = env;
    const pending = codex.request('command/exec', sleepCommand(30));
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(codex.pid!, 'SIGKILL');
    const started = Date.now();
    const error = await pending.catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(error).toMatchObject({ signal: 'SIGKILL', exitCode: null });
    expect(codex.closed).toBe(true);
  });

  it('close() leaves no process behind and rejects what was pending', async () => {
    await using env = await scripted();
    const { codex } = env;
    const pid = codex.pid!;
    // Handled from the start: close() resolves only after it has rejected.
    const pending = codex.request('command/exec', sleepCommand(30)).catch((e: unknown) => e);
    await codex.close();
    expect(await pending).toBeInstanceOf(TransportClosedError);
    expect(await eventually(() => !isAlive(pid), 2_000)).toBe(true);
  });

  it('names what it looked for when the binary is missing', async () => {
    const error = await Codex.start({ codexPath: '/nonexistent/codex' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexBinaryNotFoundError);
    expect((error as CodexBinaryNotFoundError).searched).toEqual(['/nonexistent/codex']);
    expect((error as Error).message).toContain('/nonexistent/codex');
  });

  it('reports a server that exits during startup, with its stderr, instead of hanging', async () => {
    await using env = await scripted();
    // `approval_policy = "untrusted"` in config makes codex 0.169 refuse to start.
    const error = await env.start({ config: { approval_policy: 'untrusted' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as TransportClosedError).exitCode).not.toBe(0);
    expect((error as TransportClosedError).stderrTail).toContain('untrusted');
  });
});
