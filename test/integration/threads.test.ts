import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidRequestError, JsonRpcError, LoginFailedError } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';

// Thread lifecycle, accounts and models on the real binary.

describe('thread lifecycle', () => {
  it('resumes a thread after the server restarts, with its history', async () => {
    await using env = await scripted();
    const { model } = env;
    model.enqueue(reply.message('I will remember the number 7.'), reply.message('The number was 7.'));
    const first = await env.codex.threadStart();
    await first.run('Remember 7');
    await env.codex.close();

    const restarted = await env.start();
    const resumed = await restarted.threadResume(first.id);
    expect(resumed.id).toBe(first.id);
    const result = await resumed.run('What was the number?');
    expect(result.finalResponse).toBe('The number was 7.');
    const request = model.requests[1]!;
    expect(request.userTexts).toContain('Remember 7');
    expect(JSON.stringify(request.messages('assistant'))).toContain('I will remember the number 7.');
  });

  it('forks a thread into a new one that carries the history', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('original answer'), reply.message('fork answer'));
    const original = await codex.threadStart();
    await original.run('original question');
    const fork = await codex.threadFork(original.id);
    expect(fork.id).not.toBe(original.id);
    expect((await fork.run('follow-up in the fork')).finalResponse).toBe('fork answer');
    expect(model.requests[1]!.userTexts).toContain('original question');
  });

  it('lists, archives and unarchives threads', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('hello'));
    const thread = await codex.threadStart();
    await thread.run('make it persistent');
    const ids = async (archived: boolean) => (await codex.threadList({ archived })).data.map((t) => t.id);
    expect(await ids(false)).toContain(thread.id);

    await codex.threadArchive(thread.id);
    expect(await ids(false)).not.toContain(thread.id);
    expect(await ids(true)).toContain(thread.id);

    const restored = await codex.threadUnarchive(thread.id);
    expect(restored.id).toBe(thread.id);
    expect(await ids(false)).toContain(thread.id);
  });

  it('names a thread, reads it back with its turns, and compacts it', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('first reply'), reply.message('A summary of the conversation.'));
    const thread = await codex.threadStart();
    const turn = await thread.run('hello');
    await thread.setName('Greeting thread');
    const read = await thread.read({ includeTurns: true });
    expect(read.thread.name).toBe('Greeting thread');
    expect(read.thread.turns.map((t) => t.id)).toEqual([turn.id]);
    const withoutTurns = await thread.read();
    expect(withoutTurns.thread.turns).toEqual([]);

    const compacting = codex.notifications();
    await thread.compact();
    for await (const n of compacting) {
      if (n.method === 'turn/completed' && n.params.threadId === thread.id) break;
    }
    expect(model.requests).toHaveLength(2);
  });

  it('gives typed errors for unknown and invalid thread ids', async () => {
    await using env = await scripted();
    const { codex } = env;
    await expect(codex.threadResume('019a0000-0000-7000-8000-000000000000')).rejects.toThrow(InvalidRequestError);
    await expect(codex.threadResume('019a0000-0000-7000-8000-000000000000')).rejects.toThrow(/no rollout found/);
    await expect(codex.threadResume('')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(codex.threadArchive(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
    const thread = await codex.threadStart();
    await expect(thread.run('')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(thread.run([])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(thread.run([{ type: 'txt' } as never])).rejects.toThrow(/Invalid input\[0\]: has unknown type "txt"/);
  });
});

describe('models and accounts', () => {
  it('lists every model, hidden ones on request', async () => {
    await using env = await scripted();
    const visible = await env.codex.models();
    const all = await env.codex.models({ includeHidden: true });
    expect(visible.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThanOrEqual(visible.length);
    expect(visible.every((m) => !m.hidden)).toBe(true);
  });

  it('reads the account, logs in with an API key and logs out', async () => {
    await using env = await scripted();
    const { codex } = env;
    const before = await codex.account();
    expect(before.account).toBeNull();
    const updates = codex.notifications();
    await codex.loginApiKey('sk-test-not-a-real-key-0123456789');
    await codex.logout();
    const seen: string[] = [];
    for await (const n of updates) {
      seen.push(n.method);
      if (seen.filter((m) => m === 'account/updated').length === 2) break;
    }
    expect(seen.filter((m) => m === 'account/updated')).toHaveLength(2);
    await expect(codex.loginApiKey('')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('starts a ChatGPT login, routes its completion by login id, and cancels it', async () => {
    await using env = await scripted();
    const { codex } = env;
    const login = await codex.loginChatgpt();
    expect(login.authUrl).toMatch(/^https:\/\//);
    expect(login.loginId).toBeTruthy();
    // Catch at once: the completion may arrive before cancel() answers.
    const waiting = login.wait().catch((e: unknown) => e);
    expect((await login.cancel()).status).toBe('canceled');
    const error = await waiting;
    expect(error).toBeInstanceOf(LoginFailedError);
    expect((error as LoginFailedError).loginId).toBe(login.loginId);
  });

  it('reports a device-code login that cannot reach the auth server as a typed error', async () => {
    await using env = await scripted();
    // Offline, the server cannot fetch a device code; the failure must be typed, not a hang.
    const error = await env.codex.loginChatgptDeviceCode().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect((error as JsonRpcError).method).toBe('account/login/start');
  });
});
