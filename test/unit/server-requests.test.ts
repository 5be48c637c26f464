import { describe, expect, it } from 'vitest';
import { SERVER_REQUEST_METHODS, TransportClosedError, safeAnswer, tool, type Codex, type Notification, type ProtocolError } from '../../src/index.js';
import { eventually, startFake } from '../helpers/fake-server.js';

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

describe('answers nobody waits for', () => {
  // Each case: a request the server stops waiting for, a handler that still answers after its
  // signal fired, then a probe request (id 99, a method the client refuses at once). Answers are
  // written in order on one pipe, so the probe's answer coming first means nothing was written
  // for the first request.
  const probe = { request: { id: 99, method: 'brand/new', params: {} } };
  const turnCompleted = { notify: { method: 'turn/completed', params: { threadId: 't', turn: { id: 'u', status: 'interrupted', items: [], error: null } } } };
  const lateAnswer = (reasons: string[]) => async (_params: unknown, context: { signal: AbortSignal }) => {
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
    reasons.push(String((context.signal.reason as Error).message));
    return { decision: 'accept' as const };
  };

  async function idsAnswered(codex: Codex, reasons: string[]): Promise<number[]> {
    const stream = codex.notifications();
    await codex.rawRequest('x/go', {});
    expect(await eventually(() => reasons.length === 1)).toBe(true);
    await codex.rawRequest('x/probe', {});
    const ids: number[] = [];
    for await (const n of stream as AsyncIterable<Notification>) {
      if (n.method !== ('fake/response' as never)) continue;
      ids.push((n.params as { id: number }).id);
      if (ids.includes(99)) break;
    }
    return ids;
  }

  const withdrawn = { notify: { method: 'serverRequest/resolved', params: { threadId: 't', requestId: 1 } } };
  const approval = { id: 1, method: 'item/commandExecution/requestApproval', params: approvalParams };
  // Its safe answer is a refusal (a JSON-RPC error): not written either.
  const toolCall = { id: 1, method: 'item/tool/call', params: { threadId: 't', turnId: 'u', callId: 'c1', tool: 'lookup', arguments: {} } };

  it.each([
    ['an approval’s turn ended (turn/completed)', approval, turnCompleted, /turn u ended/],
    ['the server withdrew an approval (serverRequest/resolved)', approval, withdrawn, /withdrew/],
    ['a tool call’s turn ended (turn/completed)', toolCall, turnCompleted, /turn u ended/],
    ['the server withdrew a tool call (serverRequest/resolved)', toolCall, withdrawn, /withdrew/],
  ])('writes no answer when %s, even if the handler answers afterwards', async (_case, request, end, reason) => {
    const reasons: string[] = [];
    const errors: ProtocolError[] = [];
    await using codex = await startFake(
      {
        $echoResponses: true,
        'x/go': [{ reply: {} }, { request }, { sleep: 50 }, end],
        'x/probe': [{ reply: {} }, probe],
      },
      { onServerRequest: { 'item/commandExecution/requestApproval': lateAnswer(reasons), 'item/tool/call': lateAnswer(reasons) as never } },
    );
    codex.on('error', (e) => errors.push(e));
    expect(await idsAnswered(codex, reasons)).toEqual([99]);
    expect(reasons[0]).toMatch(reason);
    expect(errors).toEqual([]);
  });

  it('writes no answer for a tool call whose item the server completed without it; the same call id elsewhere is another call', async () => {
    const reasons: string[] = [];
    const completedItem = (threadId: string, turnId: string) => ({
      notify: { method: 'item/completed', params: { threadId, turnId, item: { type: 'dynamicToolCall', id: 'c1', tool: 'lookup', arguments: {}, status: 'failed' } } },
    });
    await using codex = await startFake(
      {
        $echoResponses: true,
        'x/go': [{ reply: {} }, { request: toolCall }, { sleep: 50 }, completedItem('t', 'u')],
        'x/other': [{ reply: {} }, { request: { ...toolCall, id: 2, params: { ...toolCall.params, turnId: 'u2' } } }, { sleep: 50 }, completedItem('t2', 'u2'), completedItem('t', 'u3')],
        'x/probe': [{ reply: {} }, probe],
      },
      {
        onServerRequest: {
          'item/tool/call': async (_params, context) => {
            if (context.requestId === 1) return lateAnswer(reasons)(_params, context) as never;
            // Request 2: items of the same call id in another thread or turn do not end it.
            await new Promise((resolve) => setTimeout(resolve, 150));
            return { contentItems: [{ type: 'inputText', text: context.signal.aborted ? 'aborted' : 'answered' }], success: true };
          },
        },
      },
    );
    expect(await idsAnswered(codex, reasons)).toEqual([99]);
    expect(reasons[0]).toMatch(/completed the tool call without this answer/);
    const [answer] = await answersTo(codex, 1, () => codex.rawRequest('x/other', {}));
    expect(answer).toMatchObject({ id: 2, result: { contentItems: [{ text: 'answered' }] } });
  });

  it('writes no answer for a local tool call whose turn ended before the tool returned', async () => {
    const reasons: string[] = [];
    const slow = tool({
      name: 'slow',
      description: 'Answers only once cancelled',
      inputSchema: { type: 'object' },
      execute: async (_args, { signal }) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reasons.push(String((signal.reason as Error).message));
        return 'too late';
      },
    });
    await using codex = await startFake({
      $echoResponses: true,
      'thread/start': [{ reply: { thread: { id: 't' } } }],
      'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/tool/call', params: { threadId: 't', turnId: 'u', callId: 'c1', tool: 'slow', arguments: {} } } }, { sleep: 50 }, turnCompleted],
      'x/probe': [{ reply: {} }, probe],
    });
    await codex.threadStart({ tools: [slow] });
    expect(await idsAnswered(codex, reasons)).toEqual([99]);
    expect(reasons[0]).toMatch(/turn u ended/);
  });

  it('still sends the safe answer when the handler misses its deadline (the server waits for one)', async () => {
    await using codex = await startFake(
      {
        $echoResponses: true,
        'x/go': [{ reply: {} }, { request: { id: 1, method: 'item/commandExecution/requestApproval', params: approvalParams } }],
      },
      { serverRequestTimeoutMs: 100, onServerRequest: { 'item/commandExecution/requestApproval': () => new Promise(() => undefined) } },
    );
    codex.on('error', () => undefined);
    const [answer] = await answersTo(codex, 1, () => codex.rawRequest('x/go', {}));
    expect(answer).toMatchObject({ id: 1, result: { decision: 'decline' } });
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
