import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  Codex,
  ConnectionError,
  InvalidRequestError,
  ThreadNotResumableError,
  TransportClosedError,
  type CodexWarning,
  type Notification,
  type ThreadItem,
} from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { remote } from '../helpers/remote.js';
import { collect } from '../helpers/events.js';

// Codex.connect() against the real binary listening on a loopback port (capability token) and
// on a Unix socket: the session layer's core cases over both, then auth, a server killed
// mid-turn, two clients on one server, and the signed-bearer-token mode.

const commandItem = (items: readonly ThreadItem[]) => items.find((item) => item.type === 'commandExecution');

describe.each(['ws', 'unix'] as const)('Codex.connect() over %s', (listen) => {
  it('streams a turn: deltas in order, then turn/completed, and run() has the reply', async () => {
    await using env = await remote({ listen });
    const codex = await env.connect();
    expect(codex.pid).toBeUndefined();
    env.model.enqueue(reply.message('streamed over a socket', { deltas: 4 }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('hello');
    const [seen, result] = await Promise.all([collect(turn), turn.run()]);
    const methods = seen.map((n) => n.method);
    expect(methods[0]).toBe('turn/started');
    expect(methods.at(-1)).toBe('turn/completed');
    expect(methods.filter((m) => m === 'item/agentMessage/delta')).toHaveLength(4);
    expect(result.finalResponse).toBe('streamed over a socket');
  });

  it('routes an approval to the handler and runs the accepted command', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-remote-approval-'));
    await using env = await remote({ listen });
    const asked: string[] = [];
    const codex = await env.connect({
      onServerRequest: {
        'item/commandExecution/requestApproval': (params) => {
          asked.push(params.command ?? '');
          return { decision: 'accept' };
        },
      },
    });
    const thread = await codex.threadStart({ approvalMode: 'ask', cwd: dir, sandbox: 'read-only' });
    env.model.enqueue(
      reply.shell('touch remote.txt', { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'write a file' } }),
      reply.message('done'),
    );
    const result = await thread.run('make a file');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('touch remote.txt');
    expect(commandItem(result.items)).toMatchObject({ status: 'completed' });
    expect(existsSync(path.join(dir, 'remote.txt'))).toBe(true);
  });

  it('interrupts a running turn, and abort interrupts then rejects with AbortError', async () => {
    await using env = await remote({ listen });
    const codex = await env.connect();
    env.model.enqueue(reply.hang({ before: [output.message('partial', { deltas: 1 })] }), reply.hang(), reply.message('after both'));
    const thread = await codex.threadStart();

    const turn = await thread.turn('long task');
    await env.model.waitForRequests(1);
    await turn.interrupt();
    expect((await turn.run()).status).toBe('interrupted');

    const controller = new AbortController();
    const aborted = await thread.turn('another long task', { signal: controller.signal });
    await env.model.waitForRequests(2);
    controller.abort(new Error('user left'));
    await expect(aborted.run()).rejects.toBeInstanceOf(AbortError);
    expect(aborted.state.status).toBe('interrupted');
    expect((await thread.run('next')).finalResponse).toBe('after both');
  });
});

describe('Codex.connect() failures', () => {
  it('refuses a missing or wrong token with AuthenticationError (HTTP 401), naming the URL', async () => {
    await using env = await remote({ listen: 'ws' });
    const missing = await Codex.connect({ url: env.server.url }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AuthenticationError);
    expect(missing).toMatchObject({ status: 401, serverMessage: 'missing websocket bearer token' });
    const wrong = await Codex.connect({ url: env.server.url, token: 'not-the-token' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect((wrong as Error).message).toContain(env.server.url);
    expect((wrong as Error).message).not.toContain('not-the-token');
    // The right token still works afterwards.
    const codex = await env.connect({ tokenFile: undefined, token: env.server.token });
    expect(codex.closed).toBe(false);
  });

  it('gives ConnectionError naming the URL when nothing listens, for ws:// and unix://', async () => {
    const tcp = await Codex.connect({ url: 'ws://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(tcp).toBeInstanceOf(ConnectionError);
    expect((tcp as ConnectionError).url).toBe('ws://127.0.0.1:1/');
    expect((tcp as Error).message).toContain('ECONNREFUSED');
    const socketPath = path.join(os.tmpdir(), `no-such-codex-${process.pid}.sock`);
    const unix = await Codex.connect({ url: `unix://${socketPath}` }).catch((e: unknown) => e);
    expect(unix).toBeInstanceOf(ConnectionError);
    expect((unix as Error).message).toContain(socketPath);
  });

  it('rejects everything pending with TransportClosedError when the server is killed mid-turn', async () => {
    await using env = await remote({ listen: 'ws' });
    const codex = await env.connect();
    const closed = new Promise<TransportClosedError>((resolve) => codex.on('close', resolve));
    env.model.enqueue(reply.hang({ before: [output.message('working', { deltas: 1 })] }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('long task');
    await env.model.waitForRequests(1);
    // Handled from the start: the rejection may come while the kill is still being awaited.
    const result = turn.run().catch((e: unknown) => e);
    const notifications = collect(codex.notifications());
    await env.server.kill('SIGKILL');
    const error = await result;
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as Error).message).toContain(env.server.url);
    expect(await closed).toBeInstanceOf(TransportClosedError);
    await notifications; // ends with the connection
    expect(codex.closed).toBe(true);
    await expect(codex.request('thread/list', {})).rejects.toBeInstanceOf(TransportClosedError);
  });

  it('warns that a unix:// server ignores tokens', async () => {
    await using env = await remote({ listen: 'unix' });
    const warnings: CodexWarning[] = [];
    const codex = await env.connect({ token: 'ignored-by-the-server', onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.code)).toContain('tokenIgnored');
    expect(codex.closed).toBe(false);
  });
});

describe('signed bearer tokens', () => {
  it('connects with a fresh HS256 token from the shared secret; a wrong audience gets AuthenticationError', async () => {
    await using env = await remote({ listen: 'ws', auth: 'signed-bearer-token', issuer: 'sdk-tests', audience: 'codex-fleet' });
    const codex = await env.connect();
    env.model.enqueue(reply.message('signed in'));
    expect((await (await codex.threadStart()).run('hi')).finalResponse).toBe('signed in');
    const wrong = await env
      .connect({ signedToken: { secretFile: env.server.secretFile, issuer: 'sdk-tests', audience: 'someone-else' } })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
  });
});

describe('two clients on one server', () => {
  it('B cannot resume before the first turn (typed error), then resumes and sees A’s next turn', async () => {
    await using env = await remote({ listen: 'ws' });
    const a = await env.connect({ clientInfo: { name: 'client_a', title: null, version: '1.0.0' } });
    const b = await env.connect({ clientInfo: { name: 'client_b', title: null, version: '1.0.0' } });
    const threadOfA = await a.threadStart();

    const early = await b.threadResume(threadOfA.id).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ThreadNotResumableError);
    expect(early).toBeInstanceOf(InvalidRequestError);
    expect((early as ThreadNotResumableError).threadId).toBe(threadOfA.id);
    expect((early as Error).message).toMatch(/no turn/);
    // An id the server does not know keeps the server's own answer.
    const unknown = await b.threadResume('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidRequestError);
    expect(unknown).not.toBeInstanceOf(ThreadNotResumableError);

    env.model.enqueue(reply.message('first'), reply.message('second, seen by both', { deltas: 3 }));
    await threadOfA.run('one');
    const threadOfB = await b.threadResume(threadOfA.id);
    expect(threadOfB.id).toBe(threadOfA.id);

    const controller = new AbortController();
    const seenByB: Notification[] = [];
    const watching = (async () => {
      for await (const n of b.notifications({ signal: controller.signal })) {
        seenByB.push(n);
        if (n.method === 'turn/completed' && n.params.threadId === threadOfA.id) return;
      }
    })();
    const result = await threadOfA.run('two');
    await watching;
    controller.abort();
    const turnEvents = seenByB.filter((n) => {
      const params = n.params as { threadId?: unknown; turnId?: unknown };
      return params.threadId === threadOfA.id && params.turnId === result.id;
    });
    expect(turnEvents.filter((n) => n.method === 'item/agentMessage/delta').map((n) => (n.params as { delta: string }).delta).join('')).toBe(
      'second, seen by both',
    );
    const completed = seenByB.find((n) => n.method === 'turn/completed');
    expect(completed?.method === 'turn/completed' && completed.params.turn.id).toBe(result.id);
  });
});
