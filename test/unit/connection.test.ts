import { describe, expect, it } from 'vitest';
import {
  AbortError,
  InvalidRequestError,
  ProtocolError,
  RequestTimeoutError,
  SCHEMA_CODEX_VERSION,
  ServerBusyError,
  TransportClosedError,
  retryOnOverload,
  type Notification,
} from '../../src/index.js';
import { liveChildCount } from '../../src/transport/child-registry.js';
import { eventually, isAlive, startFake } from '../helpers/fake-server.js';

// Cases the real app-server cannot be made to produce on demand, against a scripted fake.

describe('Codex client over a fake app-server', () => {
  it('classifies -32001 from the server as ServerBusyError, and retryOnOverload gets through', async () => {
    await using codex = await startFake({
      'thread/list': [{ errorTimes: 2, error: { code: -32001, message: 'Server overloaded; retry later.' } }, { reply: { data: [], nextCursor: null } }],
    });
    await expect(codex.request('thread/list')).rejects.toBeInstanceOf(ServerBusyError);
    // The fake counts calls: the second fails too, the third succeeds.
    let retries = 0;
    const result = await retryOnOverload(() => codex.request('thread/list'), { minDelayMs: 1, onRetry: () => (retries += 1) });
    expect(result).toEqual({ data: [], nextCursor: null });
    expect(retries).toBe(1);
  });

  it('rejects a request the server never answers with RequestTimeoutError, and keeps working', async () => {
    await using codex = await startFake({ 'thread/list': [], 'model/list': [{ reply: { data: [] } }] });
    const started = Date.now();
    const error = await codex.request('thread/list', {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ method: 'thread/list', timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(codex.request('model/list', {})).resolves.toEqual({ data: [] });
  });

  it('rejects at once when the signal aborts, and before sending when it already has', async () => {
    await using codex = await startFake({ 'thread/list': [] });
    const controller = new AbortController();
    const pending = codex.request('thread/list', {}, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user gave up'));
    await expect(codex.request('thread/list', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('reports garbage and oversized lines as error events and keeps the connection', async () => {
    const errors: ProtocolError[] = [];
    await using codex = await startFake(
      {
        'thread/list': [
          { raw: 'this is not json\n' },
          { raw: `${'z'.repeat(3_000)}\n` },
          { raw: '[1,2,3]\n' },
          { rawChunks: ['{"id":', '"will-not-match"', ',"result":{}}\n'], gapMs: 5 },
          { reply: { data: ['ok'], nextCursor: null } },
        ],
      },
      { maxMessageBytes: 1_000 },
    );
    codex.on('error', (error) => errors.push(error));
    await expect(codex.request('thread/list')).resolves.toEqual({ data: ['ok'], nextCursor: null });
    expect(errors.map((e) => e.kind)).toEqual(['invalidJson', 'oversizedLine', 'invalidMessage', 'unexpectedResponse']);
    expect(errors[0]!.lineStart).toBe('this is not json');
    expect(errors[1]!.lineStart).toBe('z'.repeat(200));
    expect(errors.every((e) => e instanceof ProtocolError)).toBe(true);
  });

  it('rejects every pending request at once with TransportClosedError when the server dies', async () => {
    const codex = await startFake({
      'thread/list': [],
      'model/list': [{ sleep: 50 }, { raw: 'dying now\n' }, { exit: 3 }],
    });
    const pending = [codex.request('thread/list'), codex.request('thread/list'), codex.request('model/list')];
    const errors = await Promise.all(pending.map((p) => p.catch((e: unknown) => e)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(TransportClosedError);
      expect(error).toMatchObject({ exitCode: 3, signal: null });
    }
    expect(codex.closed).toBe(true);
    await expect(codex.request('thread/list')).rejects.toBeInstanceOf(TransportClosedError);
    await codex.close();
  });

  it('delivers every notification written before the server exited, in order, before the close', async () => {
    const count = 20_000;
    const codex = await startFake({
      'x/flood': [
        { reply: {} },
        { notify: { method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'u', itemId: 'i', delta: 'x' } }, repeat: count },
        { notify: { method: 'turn/completed', params: { threadId: 't', turn: { id: 'u', items: [], status: 'completed' } } } },
        { exit: 0 },
      ],
    });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const n of codex.notifications()) seen.push(n.method);
    })();
    const closed = new Promise<TransportClosedError>((resolve) => codex.on('close', resolve));
    await codex.rawRequest('x/flood', {});
    await reading;
    expect(seen).toHaveLength(count + 1);
    expect(seen.at(-1)).toBe('turn/completed');
    expect(await closed).toBeInstanceOf(TransportClosedError);
    await codex.close();
  });

  it('answers a response queued just before the server exits instead of dropping it', async () => {
    const codex = await startFake({ 'model/list': [{ reply: { data: ['last words'] } }, { exit: 0 }] });
    await expect(codex.request('model/list', {})).resolves.toEqual({ data: ['last words'] });
    await codex.close();
  });

  it('keeps at most maxInFlightRequests outstanding and queues the rest', async () => {
    await using codex = await startFake({ 'x/slow': [{ sleep: 30 }, { reply: '$params' }] }, { maxInFlightRequests: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => codex.rawRequest('x/slow', { i })));
    expect(results).toEqual(Array.from({ length: 6 }, (_, i) => ({ i })));
  });

  it('lets a queued request time out while it waits for a slot', async () => {
    await using codex = await startFake({ 'x/never': [] }, { maxInFlightRequests: 1 });
    const first = codex.rawRequest('x/never', {}, { timeoutMs: 300 });
    const second = codex.rawRequest('x/never', {}, { timeoutMs: 50 });
    await expect(second).rejects.toBeInstanceOf(RequestTimeoutError);
    await expect(first).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('warns, naming both versions, when the server is not the version the types came from', async () => {
    const warnings: string[] = [];
    await using codex = await startFake({}, { env: { FAKE_CODEX_VERSION: '9.9.9' }, onWarning: (w) => warnings.push(w.message) });
    expect(codex.serverVersion).toBe('9.9.9');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('9.9.9');
    expect(warnings[0]).toContain(SCHEMA_CODEX_VERSION);
  });

  it('ends notifications() when the connection closes, and with AbortError on abort', async () => {
    const codex = await startFake({});
    const controller = new AbortController();
    const aborted = (async () => {
      for await (const _ of codex.notifications({ signal: controller.signal })) void _;
    })();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const seen: Notification[] = [];
    const ended = (async () => {
      for await (const n of codex.notifications()) seen.push(n);
      return 'ended';
    })();
    await codex.close();
    await expect(ended).resolves.toBe('ended');
  });

  it('close() ends the process, is idempotent, and leaves no process behind', async () => {
    const codex = await startFake({ 'thread/list': [] });
    const pid = codex.pid!;
    expect(isAlive(pid)).toBe(true);
    // close() resolves only once this has rejected: handle it before awaiting close().
    const pending = codex.request('thread/list').catch((e: unknown) => e);
    await Promise.all([codex.close(), codex.close()]);
    expect(await pending).toBeInstanceOf(TransportClosedError);
    expect(await eventually(() => !isAlive(pid))).toBe(true);
  });

  it('kills a server that ignores stdin EOF, with SIGTERM', async () => {
    const codex = await startFake({ 'x/hang': [{ sleep: 60_000 }] });
    const pid = codex.pid!;
    void codex.rawRequest('x/hang', {}).catch(() => undefined);
    // The fake waits for its script before exiting on EOF, so only a signal ends it.
    await codex.close();
    expect(isAlive(pid)).toBe(false);
  }, 15_000);

  it('fails start() with TransportClosedError when the server exits before answering initialize', async () => {
    const error = await startFake({ initialize: [{ raw: 'boom\n' }, { exit: 7 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(error).toMatchObject({ exitCode: 7 });
  });

  it('kills the server when initialize gets no answer before the deadline', async () => {
    const before = liveChildCount();
    const error = await startFake({ initialize: [] }, { requestTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ method: 'initialize' });
    expect(liveChildCount()).toBe(before);
  });

  it('aborts startup when its signal fires, and closes the client when it fires later', async () => {
    const before = liveChildCount();
    const controller = new AbortController();
    const starting = startFake({ initialize: [] }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(starting).rejects.toBeInstanceOf(AbortError);
    expect(liveChildCount()).toBe(before);

    const later = new AbortController();
    const codex = await startFake({}, { signal: later.signal });
    const closed = new Promise((resolve) => codex.on('close', resolve));
    later.abort();
    await closed;
    expect(codex.closed).toBe(true);
    expect(await eventually(() => !isAlive(codex.pid!))).toBe(true);
  });

  it('answers an error from initialize with a typed error and no process left behind', async () => {
    const error = await startFake({ initialize: [{ error: { code: -32600, message: 'Not today' } }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toBe('Not today');
  });
});
