import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProtocolError, ServerRequestContext, ThreadItem } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';

// Server requests against the real binary: approvals routed to handlers, safe defaults.

/** A shell call that asks to leave the read-only sandbox, so on-request policy must ask. */
const escalated = (cmd: string) =>
  reply.shell(cmd, { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'needs to write a file' } });

const commandItem = (items: readonly ThreadItem[]) => items.find((item) => item.type === 'commandExecution');
const workspace = () => mkdtempSync(path.join(os.tmpdir(), 'sdk-approvals-'));

describe('approvals', () => {
  it("routes command approvals to the client's handler in 'ask' mode: accepted runs, declined does not", async () => {
    const dir = workspace();
    const contexts: ServerRequestContext[] = [];
    await using env = await scripted({
      codex: {
        onServerRequest: {
          'item/commandExecution/requestApproval': (params, context) => {
            contexts.push(context);
            return { decision: params.command?.includes('accepted') ? 'accept' : 'decline' };
          },
        },
      },
    });
    const { codex, model } = env;
    const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
    expect(thread.settings.approvalPolicy).toBe('on-request');
    expect(thread.settings.approvalsReviewer).toBe('user');

    model.enqueue(escalated('touch accepted.txt'), reply.message('done'));
    const accepted = await thread.run('make a file');
    expect(commandItem(accepted.items)).toMatchObject({ status: 'completed' });
    expect(existsSync(path.join(dir, 'accepted.txt'))).toBe(true);

    model.enqueue(escalated('touch declined.txt'), reply.message('ok, I will not'));
    const declined = await thread.run('make another file');
    expect(commandItem(declined.items)).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(dir, 'declined.txt'))).toBe(false);

    expect(contexts).toHaveLength(2);
    expect(contexts[0]).toMatchObject({ method: 'item/commandExecution/requestApproval', threadId: thread.id, turnId: accepted.id });
    expect(typeof contexts[0]!.requestId).toBe('number');
    expect(contexts[0]!.signal.aborted).toBe(false);
  });

  it('declines by default when no handler is registered: the command does not run', async () => {
    const dir = workspace();
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart({ approvalPolicy: 'untrusted', approvalsReviewer: 'user', cwd: dir });
    model.enqueue(reply.shell('touch should-not-exist.txt'), reply.message('declined, fine'));
    const result = await thread.run('try it');
    expect(commandItem(result.items)).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(dir, 'should-not-exist.txt'))).toBe(false);
  });

  it('answers file-change approvals with the handler, turn handlers over thread handlers over client handlers', async () => {
    const dir = workspace();
    const calls: string[] = [];
    await using env = await scripted({
      codex: { onServerRequest: { 'item/fileChange/requestApproval': () => (calls.push('client'), { decision: 'decline' }) } },
    });
    const { codex, model } = env;
    const thread = await codex.threadStart({
      approvalPolicy: 'untrusted',
      approvalsReviewer: 'user',
      cwd: dir,
      onServerRequest: { 'item/fileChange/requestApproval': () => (calls.push('thread'), { decision: 'accept' }) },
    });
    model.enqueue(reply.patch([{ type: 'add', path: 'from-thread.txt', contents: 'hi\n' }]), reply.message('patched'));
    await thread.run('patch');
    expect(existsSync(path.join(dir, 'from-thread.txt'))).toBe(true);

    model.enqueue(reply.patch([{ type: 'add', path: 'from-turn.txt', contents: 'hi\n' }]), reply.message('not patched'));
    const result = await thread.run('patch again', {
      onServerRequest: { 'item/fileChange/requestApproval': () => (calls.push('turn'), { decision: 'decline' }) },
    });
    expect(result.items.find((item) => item.type === 'fileChange')).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(dir, 'from-turn.txt'))).toBe(false);
    expect(calls).toEqual(['thread', 'turn']);
  });

  for (const failure of ['throws', 'misses its deadline'] as const) {
    it(`sends the safe answer and reports an error event when a handler ${failure}`, async () => {
      const dir = workspace();
      const errors: ProtocolError[] = [];
      let sawAbort = false;
      await using env = await scripted({
        codex: {
          serverRequestTimeoutMs: 300,
          onServerRequest: {
            'item/commandExecution/requestApproval': async (_params, { signal }) => {
              if (failure === 'throws') throw new Error('handler bug');
              await new Promise((resolve) => signal.addEventListener('abort', resolve));
              sawAbort = true;
              return { decision: 'accept' };
            },
          },
        },
      });
      const { codex, model } = env;
      codex.on('error', (error) => errors.push(error));
      const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
      model.enqueue(escalated('touch forbidden.txt'), reply.message('moving on'));
      const result = await thread.run('try');
      // The safe answer honours availableDecisions: codex offers `cancel` here, not `decline`,
      // so the command is refused and the turn stops.
      expect(commandItem(result.items)).toMatchObject({ status: 'declined' });
      expect(result.status).toBe('interrupted');
      expect(existsSync(path.join(dir, 'forbidden.txt'))).toBe(false);
      expect(errors.map((e) => e.kind)).toEqual(['handlerFailed']);
      expect(errors[0]!.message).toContain(failure === 'throws' ? 'handler bug' : '300 ms');
      expect(sawAbort).toBe(failure !== 'throws');
    });
  }

  it("keeps turn settings for later turns; a turn's approvalMode changes them, explicit fields win", async () => {
    const dir = workspace();
    let asked = 0;
    await using env = await scripted({
      codex: { onServerRequest: { 'item/commandExecution/requestApproval': () => (asked++, { decision: 'accept' }) } },
    });
    const { codex, model } = env;
    const preset = await codex.threadStart();
    expect(preset.settings).toMatchObject({ approvalPolicy: 'on-request', approvalsReviewer: 'auto_review' });
    const explicit = await codex.threadStart({ approvalMode: 'ask', approvalPolicy: 'never' });
    expect(explicit.settings).toMatchObject({ approvalPolicy: 'never', approvalsReviewer: 'user' });

    const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
    model.enqueue(escalated('touch first.txt'), reply.message('1'));
    await thread.run('first'); // asks: 'ask' from thread/start
    model.enqueue(escalated('touch second.txt'), reply.message('2'));
    await thread.run('second', { approvalMode: 'denyAll' }); // never asks, refuses
    model.enqueue(escalated('touch third.txt'), reply.message('3'));
    await thread.run('third'); // no approval fields: 'denyAll' stuck
    expect(asked).toBe(1);
    expect(existsSync(path.join(dir, 'first.txt'))).toBe(true);
    expect(existsSync(path.join(dir, 'second.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'third.txt'))).toBe(false);
  });
});
