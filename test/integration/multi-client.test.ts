import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProtocolError, ThreadItem } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { remote } from '../helpers/remote.js';
import { firstTurnOf } from '../helpers/events.js';

// Several clients of one real app-server over ws://: a server request answered by one client
// withdraws it from the others, and turns one client starts reach the others' thread.turns().

const commandItem = (items: readonly ThreadItem[]) => items.find((item) => item.type === 'commandExecution');

interface Written {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: { clientInfo?: { name?: string } };
  readonly result?: unknown;
  readonly error?: unknown;
}

/**
 * Records every message each WebSocket connection writes, by the client name its `initialize`
 * carried (the first message of every connection).
 */
function spyOnWrites(): Map<string, Written[]> {
  const byClient = new Map<string, Written[]>();
  const byTransport = new WeakMap<object, Written[]>();
  const send = WebSocketTransport.prototype.send;
  vi.spyOn(WebSocketTransport.prototype, 'send').mockImplementation(function (this: WebSocketTransport, message: object) {
    const written = message as Written;
    let log = byTransport.get(this);
    if (log === undefined) {
      log = [];
      byTransport.set(this, log);
      byClient.set(written.params?.clientInfo?.name ?? '?', log);
    }
    log.push(written);
    return send.call(this, message);
  });
  return byClient;
}

const responsesTo = (log: readonly Written[] | undefined, id: unknown): Written[] =>
  (log ?? []).filter((m) => m.method === undefined && m.id === id && ('result' in m || 'error' in m));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('several clients on one server', () => {
  it('A answers an approval: B’s pending handler is signalled, its late answer dropped quietly; B gets a handle for A’s turn', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-multi-client-'));
    const writes = spyOnWrites();
    await using env = await remote({ listen: 'ws' });
    let bAsked!: () => void;
    const bWasAsked = new Promise<void>((resolve) => (bAsked = resolve));
    const bSignal: { reason?: unknown; requestId?: string | number } = {};
    let aRequestId: string | number | undefined;
    const a = await env.connect({
      clientInfo: { name: 'client_a', title: null, version: '1.0.0' },
      onServerRequest: {
        'item/commandExecution/requestApproval': async (_params, context) => {
          aRequestId = context.requestId;
          // Answer only once B holds the same request too, so B's answer is the late one.
          await bWasAsked;
          return { decision: 'accept' };
        },
      },
    });
    const b = await env.connect({
      clientInfo: { name: 'client_b', title: null, version: '1.0.0' },
      onServerRequest: {
        'item/commandExecution/requestApproval': async (_params, context) => {
          bSignal.requestId = context.requestId;
          bAsked();
          await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
          bSignal.reason = context.signal.reason;
          // Too late: A answered. This must go nowhere and raise nothing.
          return { decision: 'decline' };
        },
      },
    });
    const errorsOfB: ProtocolError[] = [];
    const errorsOfA: ProtocolError[] = [];
    b.on('error', (e) => errorsOfB.push(e));
    a.on('error', (e) => errorsOfA.push(e));

    const threadOfA = await a.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
    env.model.enqueue(reply.message('first'));
    await threadOfA.run('one');
    const threadOfB = await b.threadResume(threadOfA.id);

    const firstForeign = firstTurnOf(threadOfB);

    env.model.enqueue(
      reply.shell('touch shared.txt', { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'write a file' } }),
      reply.message('done'),
    );
    const result = await threadOfA.run('make a file');

    // A's accept ran the command.
    expect(commandItem(result.items)).toMatchObject({ status: 'completed' });
    expect(existsSync(path.join(dir, 'shared.txt'))).toBe(true);
    // B held the same request and was told it no longer mattered.
    expect(bSignal.requestId).toBe(aRequestId);
    expect(String((bSignal.reason as Error | undefined)?.message)).toMatch(/serverRequest\/resolved|withdrew/);
    // On the wire: A answered that id; B wrote nothing for it, neither its late answer nor a safe one.
    expect(responsesTo(writes.get('client_a'), aRequestId)).toEqual([{ id: aRequestId, result: { decision: 'accept' } }]);
    expect(writes.get('client_b')?.length).toBeGreaterThan(1);
    expect(responsesTo(writes.get('client_b'), aRequestId)).toEqual([]);

    // B gets a TurnHandle for A's turn and can follow it to the end.
    const foreign = await firstForeign;
    expect(foreign?.id).toBe(result.id);
    const seenByB = await foreign!.run();
    expect(seenByB.status).toBe('completed');
    expect(seenByB.finalResponse).toBe('done');
    expect(commandItem(seenByB.items)).toMatchObject({ status: 'completed' });

    // Both clients still work, and nobody reported anything about B's late answer.
    env.model.enqueue(reply.message('still fine'));
    expect((await threadOfB.run('three')).finalResponse).toBe('still fine');
    expect(errorsOfB).toEqual([]);
    expect(errorsOfA).toEqual([]);
  });
});
