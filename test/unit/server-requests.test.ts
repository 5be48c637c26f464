import { describe, expect, it } from 'vitest';
import { SERVER_REQUEST_METHODS, TransportClosedError, safeAnswer, type Codex, type Notification, type ProtocolError } from '../../src/index.js';
import { startFake } from '../helpers/fake-server.js';

// What the client answers to server requests, seen from the server's side: the fake echoes
// every response it gets back as a `fake/response` notification.

const approvalParams = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 0 };

async function answersTo(codex: Codex, count: number, trigger: () => Promise<unknown>): Promise<Array<{ id: number; result?: unknown; error?: { code: number; message: string } }>> {
  const answers: Array<{ id: number; result?: unknown; error?: { code: number; message: string } }> = [];
  const stream = codex.notifications();
  await trigger();
  for await (const n of stream as AsyncIterable<Notification>) {
    if (n.method === ('fake/response' as never)) answers.push(n.params as (typeof answers)[number]);
    if (answers.length === count) break;
  }
  return answers.sort((a, b) => a.id - b.id);
}

describe('server requests', () => {
  it('answers every server request method safely when no handler is registered', async () => {
    const requests = SERVER_REQUEST_METHODS.map((method, id) => ({ request: { id, method, params: { ...approvalParams, conversationId: 't', callId: 'c' } } }));
    await using codex = await startFake({ $echoResponses: true, 'x/go': [{ reply: {} }, ...requests] });
    const answers = await answersTo(codex, SERVER_REQUEST_METHODS.length, () => codex.rawRequest('x/go', {}));
    const byMethod = Object.fromEntries(answers.map((a) => [SERVER_REQUEST_METHODS[a.id]!, a]));

    expect(byMethod['item/commandExecution/requestApproval']!.result).toEqual({ decision: 'decline' });
    expect(byMethod['item/fileChange/requestApproval']!.result).toEqual({ decision: 'decline' });
    expect(byMethod['item/permissions/requestApproval']!.result).toEqual({ permissions: {}, scope: 'turn' });
    expect(byMethod['mcpServer/elicitation/request']!.result).toEqual({ action: 'decline', content: null });
    expect(byMethod['execCommandApproval']!.result).toMatchObject({ decision: { denied: {} } });
    expect(byMethod['applyPatchApproval']!.result).toMatchObject({ decision: { denied: {} } });
    for (const method of ['item/tool/requestUserInput', 'item/tool/call', 'account/chatgptAuthTokens/refresh', 'attestation/generate']) {
      expect(byMethod[method]!.error?.code).toBe(-32601);
      expect(byMethod[method]!.error?.message).toContain(method);
    }
    // Every method got exactly one answer: nothing was left unanswered.
    expect(answers.map((a) => a.id)).toEqual(SERVER_REQUEST_METHODS.map((_, i) => i));
  });

  it('offers only what availableDecisions lists: cancel when decline is not offered', () => {
    expect(safeAnswer('item/commandExecution/requestApproval', { availableDecisions: ['accept', 'cancel'] })).toEqual({ decision: 'cancel' });
    expect(safeAnswer('item/commandExecution/requestApproval', { availableDecisions: ['accept', 'decline', 'cancel'] })).toEqual({ decision: 'decline' });
  });

  it('answers an unknown server request method with a JSON-RPC error', async () => {
    await using codex = await startFake({ $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 7, method: 'brand/new', params: {} } }] });
    const [answer] = await answersTo(codex, 1, () => codex.rawRequest('x/go', {}));
    expect(answer).toMatchObject({ id: 7, error: { code: -32601 } });
    expect(answer!.error!.message).toContain('brand/new');
  });

  it('uses the handler’s answer, with the request id, thread and turn in its context', async () => {
    const contexts: unknown[] = [];
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 3, method: 'item/tool/call', params: { threadId: 't', turnId: 'u', callId: 'c', tool: 'lookup', arguments: {} } } }] },
      {
        onServerRequest: {
          'item/tool/call': (params, context) => {
            contexts.push({ ...context, signal: context.signal.aborted });
            return { success: true, contentItems: [{ type: 'inputText', text: `looked up by ${params.tool}` }] };
          },
        },
      },
    );
    const [answer] = await answersTo(codex, 1, () => codex.rawRequest('x/go', {}));
    expect(answer!.result).toEqual({ success: true, contentItems: [{ type: 'inputText', text: 'looked up by lookup' }] });
    expect(contexts).toEqual([{ method: 'item/tool/call', requestId: 3, threadId: 't', turnId: 'u', signal: false }]);
  });

  it('never lets a slow handler block other messages', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await using codex = await startFake(
      {
        $echoResponses: true,
        'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/fileChange/requestApproval', params: approvalParams } }],
        'x/ping': [{ reply: 'pong' }],
      },
      { onServerRequest: { 'item/fileChange/requestApproval': async () => (await gate, { decision: 'accept' }) } },
    );
    const answers = answersTo(codex, 1, () => codex.rawRequest('x/go', {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The handler is still waiting, yet requests and their answers keep flowing.
    await expect(codex.rawRequest('x/ping', {})).resolves.toBe('pong');
    release();
    expect((await answers)[0]!.result).toEqual({ decision: 'accept' });
  });

  it('reports a handler that throws, and sends the safe answer', async () => {
    const errors: ProtocolError[] = [];
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/fileChange/requestApproval', params: approvalParams } }] },
      {
        onServerRequest: {
          'item/fileChange/requestApproval': () => {
            throw new Error('oops');
          },
        },
      },
    );
    codex.on('error', (e) => errors.push(e));
    const [answer] = await answersTo(codex, 1, () => codex.rawRequest('x/go', {}));
    expect(answer!.result).toEqual({ decision: 'decline' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'handlerFailed' });
  });
});

describe('turns over a dying server', () => {
  it('delivers what the server wrote, then throws TransportClosedError from the turn stream and run()', async () => {
    const turn = { id: 'u', items: [], status: 'inProgress' };
    const codex = await startFake({
      'thread/start': [{ reply: { thread: { id: 't', turns: [] }, model: 'm', modelProvider: 'p', cwd: '/', approvalPolicy: 'never', approvalsReviewer: 'user', sandbox: { type: 'dangerFullAccess' } } }],
      'turn/start': [
        { reply: { turn } },
        { notify: { method: 'turn/started', params: { threadId: 't', turn } } },
        { notify: { method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'u', itemId: 'i', delta: 'partial' } }, repeat: 3 },
        { sleep: 50 },
        { kill: 'SIGKILL' },
      ],
    });
    const thread = await codex.threadStart();
    const handle = await thread.turn('hello');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const n of handle) seen.push(n.method);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['turn/started', 'item/agentMessage/delta', 'item/agentMessage/delta', 'item/agentMessage/delta']);
    expect(error).toBeInstanceOf(TransportClosedError);
    await expect(handle.run()).rejects.toBeInstanceOf(TransportClosedError);
    await expect(thread.run('again')).rejects.toBeInstanceOf(TransportClosedError);
    await codex.close();
  });
});
