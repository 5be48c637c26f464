import { describe, expect, it } from 'vitest';
import {
  InvalidResponseError,
  SERVER_REQUEST_METHODS,
  safeAnswer,
  type Codex,
  type Notification,
  type ProtocolError,
} from '../../src/index.js';
import { jsonPath, serverResponseMismatch } from '../../src/rpc/validation.js';
import { startFake } from '../helpers/fake-server.js';

// Schema validation with the validators codegen compiled: results, server requests, handler
// answers, and (opt-in) notifications. The fake server sends what the real one would not.

const commandApproval = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 0, command: 'touch x', cwd: '/tmp' };
const fileApproval = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 0 };

async function responsesTo(codex: Codex, trigger: () => Promise<unknown>): Promise<{ id: number; result?: unknown; error?: unknown }> {
  const stream = codex.notifications();
  await trigger();
  for await (const n of stream as AsyncIterable<Notification>) {
    if (n.method === ('fake/response' as never)) return n.params as { id: number; result?: unknown };
  }
  throw new Error('no response seen');
}

describe('result validation', () => {
  // On by default for users; the fake-server helper turns it off for its minimal results.
  const on = { validateResults: true };

  it('rejects a malformed result with InvalidResponseError naming the method, the path and the reason', async () => {
    await using codex = await startFake({ 'thread/read': [{ reply: { thread: null } }], 'thread/start': [{ reply: { thread: null } }] }, on);
    const error = await codex.request('thread/read', { threadId: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ method: 'thread/read', path: '$.thread', reason: 'must be object', result: { thread: null } });
    expect((error as Error).message).toBe('thread/read answered with a result that does not match the protocol schema: $.thread must be object');
    // Not a TypeError inside the SDK: threadStart() gets the typed error too.
    await expect(codex.threadStart()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('names a missing property and the array index on the way to it', async () => {
    await using codex = await startFake({ 'model/list': [{ reply: { data: [{}], nextCursor: null } }] }, on);
    const error = (await codex.request('model/list', {}).catch((e: unknown) => e)) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.path).toBe('$.data[0]');
    expect(error.reason).toMatch(/^lacks the required property "\w+"$/);
  });

  it('passes results of methods the SDK does not know, and everything with validateResults: false', async () => {
    await using codex = await startFake({ 'x/new': [{ reply: [1, 2] }], 'thread/start': [{ reply: { thread: null } }] }, { validateResults: false });
    await expect(codex.rawRequest('x/new', {})).resolves.toEqual([1, 2]);
    await expect(codex.request('thread/start', {})).resolves.toEqual({ thread: null });
  });

  it('writes JSON paths for any property name', () => {
    expect(jsonPath('')).toBe('$');
    expect(jsonPath('/thread/turns/0/id')).toBe('$.thread.turns[0].id');
    expect(jsonPath('/env/a~1b/x y')).toBe('$.env["a/b"]["x y"]');
  });
});

describe('server request validation', () => {
  it('never sends an answer of the wrong shape: an array becomes the safe answer and a handlerFailed error', async () => {
    const errors: ProtocolError[] = [];
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/commandExecution/requestApproval', params: commandApproval } }] },
      { onServerRequest: { 'item/commandExecution/requestApproval': () => ['accept'] as never } },
    );
    codex.on('error', (e) => errors.push(e));
    const answer = await responsesTo(codex, () => codex.rawRequest('x/go', {}));
    expect(answer.result).toEqual({ decision: 'decline' });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('handlerFailed');
    expect(errors[0]!.message).toContain('does not match the protocol schema: $ must be object');
  });

  it('does not call the handler with params of the wrong shape: safe answer and an invalidMessage error', async () => {
    const errors: ProtocolError[] = [];
    let called = false;
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/fileChange/requestApproval', params: { threadId: 7 } } }] },
      { onServerRequest: { 'item/fileChange/requestApproval': () => ((called = true), { decision: 'accept' }) } },
    );
    codex.on('error', (e) => errors.push(e));
    const answer = await responsesTo(codex, () => codex.rawRequest('x/go', {}));
    expect(answer.result).toEqual({ decision: 'decline' });
    expect(called).toBe(false);
    expect(errors.map((e) => e.kind)).toEqual(['invalidMessage']);
    expect(errors[0]!.message).toContain('item/fileChange/requestApproval params');
  });

  it('accepts well-formed handler answers, and every safe default answer matches its schema', async () => {
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/fileChange/requestApproval', params: fileApproval } }] },
      { onServerRequest: { 'item/fileChange/requestApproval': () => ({ decision: 'accept' }) } },
    );
    expect((await responsesTo(codex, () => codex.rawRequest('x/go', {}))).result).toEqual({ decision: 'accept' });
    for (const method of SERVER_REQUEST_METHODS) {
      let answer: unknown;
      try {
        answer = safeAnswer(method, { availableDecisions: ['decline'] });
      } catch {
        continue; // refused with a JSON-RPC error: nothing to check
      }
      expect(serverResponseMismatch(method, answer), method).toBeUndefined();
    }
  });
});

describe('notification validation', () => {
  const bad = { method: 'turn/started', params: { threadId: 't', turn: null } };
  const script = { 'x/go': [{ reply: {} }, { notify: bad }, { notify: { method: 'x/unknown', params: { a: 1 } } }] };

  it('is off by default: a malformed notification is delivered', async () => {
    await using codex = await startFake(script);
    const seen: string[] = [];
    const stream = codex.notifications();
    await codex.rawRequest('x/go', {});
    for await (const n of stream) {
      seen.push(n.method);
      if (n.method === ('x/unknown' as never)) break;
    }
    expect(seen).toEqual(['turn/started', 'x/unknown']);
  });

  it('with validateNotifications, drops a malformed one and reports it; unknown methods pass', async () => {
    await using codex = await startFake(script, { validateNotifications: true });
    const errors: ProtocolError[] = [];
    codex.on('error', (e) => errors.push(e));
    const seen: string[] = [];
    const stream = codex.notifications();
    await codex.rawRequest('x/go', {});
    for await (const n of stream) {
      seen.push(n.method);
      if (n.method === ('x/unknown' as never)) break;
    }
    expect(seen).toEqual(['x/unknown']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('invalidMessage');
    expect(errors[0]!.message).toContain('turn/started notification that does not match the protocol schema ($.turn must be object)');
  });
});
