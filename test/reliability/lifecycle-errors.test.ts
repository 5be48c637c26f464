import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  Codex,
  CodexBinaryNotFoundError,
  externalMessage,
  InvalidArgumentError,
  InvalidRequestError,
  MethodNotFoundError,
  InvalidParamsError,
  RequestTimeoutError,
  TransportClosedError,
  type ProtocolError,
} from '../../src/index.js';
import { RpcConnection } from '../../src/rpc/connection.js';
import type { MessageTransport, TransportHandlers } from '../../src/transport/transport.js';
import { liveChildCount } from '../../src/transport/child-registry.js';
import { startFake } from '../helpers/fake-server.js';
import { forceGc } from '../helpers/gc.js';
import { settlement, within } from '../helpers/reliability.js';

// Issue 8, items 6, 10, 13-16: close() settles everything before it resolves, a start() abort
// that lands right after initialize, steer() with tool output, spawn failures, short
// MethodNotFoundError messages, redacted error data, and no entry left for abandoned requests.

const turnReply = { id: 'u', status: 'inProgress', items: [] };
const threadReply = { thread: { id: 't', turns: [] }, model: 'm', modelProvider: 'p', cwd: '/', approvalPolicy: 'never', approvalsReviewer: 'user', sandbox: { type: 'dangerFullAccess' } };
const TURN_SCRIPT = {
  'thread/start': [{ reply: threadReply }],
  'turn/start': [{ reply: { turn: turnReply } }, { notify: { method: 'turn/started', params: { threadId: 't', turn: turnReply } } }],
  'thread/list': [],
};

describe('close() settles everything before it resolves', () => {
  it('closed is true, close fired, and every pending request, turn, run() and iterator has settled', async () => {
    const codex = await startFake(TURN_SCRIPT);
    const thread = await codex.threadStart();
    const turn = await thread.turn('hello');
    let closeEvents = 0;
    codex.on('close', () => closeEvents++);
    const settled = new Map<string, boolean>();
    const track = (name: string, promise: Promise<unknown>): void => {
      settled.set(name, false);
      void promise.then(
        () => settled.set(name, true),
        () => settled.set(name, true),
      );
    };
    track('request', codex.request('thread/list'));
    track('run', turn.run());
    track('iterator', turn[Symbol.asyncIterator]().next());
    track('text', turn.text()[Symbol.asyncIterator]().next());
    track('notifications', codex.notifications().next());
    track('whenDone', turn.whenDone());
    track('queued turn', thread.run('next'));
    await codex.close();
    expect(codex.closed).toBe(true);
    expect(closeEvents).toBe(1);
    expect(Object.fromEntries(settled)).toEqual(Object.fromEntries([...settled.keys()].map((k) => [k, true])));
  });
});

describe('Codex.start({ signal })', () => {
  it('closes and rejects with AbortError when the abort lands after initialize answered, before the listener', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    // The initialize call removes its abort listener when its answer arrives: abort right then,
    // the one moment no listener of the SDK is attached.
    const remove = signal.removeEventListener.bind(signal);
    signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
      remove(...args);
      controller.abort(new Error('late abort'));
    }) as AbortSignal['removeEventListener'];
    const before = liveChildCount();
    const started = await within(settlement(startFake({}, { signal })), 10_000, 'Codex.start()');
    if (started.ok) await (started.value as Codex).close();
    expect(started.ok).toBe(false);
    expect(started.error).toBeInstanceOf(AbortError);
    expect(liveChildCount()).toBe(before);
  });
});

describe('turn.steer(externalMessage(...))', () => {
  it('rejects with InvalidArgumentError and sends nothing', async () => {
    await using codex = await startFake({ ...TURN_SCRIPT, 'turn/steer': [{ reply: { turnId: 'u' } }] });
    const turn = await (await codex.threadStart()).turn('hello');
    const steer = turn.steer as (input: unknown) => Promise<unknown>;
    const error = await within(steer.call(turn, externalMessage({ toolName: 'weather', content: 'sunny' })).catch((e: unknown) => e), 5_000, 'steer');
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain('externalMessage');
  });
});

describe('bad arguments get InvalidArgumentError naming them', () => {
  it('for the calls that used to throw a TypeError or accept garbage', async () => {
    await using codex = await startFake(TURN_SCRIPT);
    const thread = await codex.threadStart();
    const turn = await thread.turn('hello');
    const bad = (value: unknown) => value as never;
    const cases: [string, () => unknown, string][] = [
      ['codex.models(null)', () => codex.models(bad(null)), 'options'],
      ['codex.models({ includeHidden: 1 })', () => codex.models(bad({ includeHidden: 1 })), 'includeHidden'],
      ['thread.read(null)', () => thread.read(bad(null)), 'options'],
      ["codex.on('error', null)", () => codex.on('error', bad(null)), 'listener'],
      ["codex.on('nope', fn)", () => codex.on(bad('nope'), () => undefined), 'event'],
      ['codex.threadList(5)', () => codex.threadList(bad(5)), 'params'],
      ['thread.setName(null)', () => thread.setName(bad(null)), 'name'],
      ['turn.text(null)', () => turn.text(bad(null)), 'options'],
      ['text(5)', () => externalMessage(bad({ toolName: 5, content: 'x' })), 'toolName'],
      ['rawRequest with a BigInt', () => codex.rawRequest('thread/list', { n: 1n }), 'params'],
    ];
    for (const [name, call, argument] of cases) {
      const error = await (async () => call())().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument, name).toBe(argument);
    }
  });
});

describe('spawn failures say what happened', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-sdk-spawn-'));
  const plain = path.join(dir, 'not-executable');
  writeFileSync(plain, '#!/bin/sh\n');
  chmodSync(plain, 0o644);

  it('refuses a directory or a non-executable file as codexPath with CodexBinaryNotFoundError', async () => {
    const asDir = await Codex.start({ codexPath: dir }).catch((e: unknown) => e);
    expect(asDir).toBeInstanceOf(CodexBinaryNotFoundError);
    expect((asDir as Error).message).toContain('is a directory');
    const asFile = await Codex.start({ codexPath: plain }).catch((e: unknown) => e);
    expect(asFile).toBeInstanceOf(CodexBinaryNotFoundError);
    expect((asFile as Error).message).toContain('is not executable');
  });

  it('names a missing or unusable launchArgs executable, and never says it is still running', async () => {
    const cases = [
      { argv: [path.join(dir, 'missing')], says: 'does not exist' },
      { argv: ['codex-sdk-no-such-program'], says: 'was not found' },
      { argv: [dir], says: 'is a directory' },
      { argv: [plain], says: 'is not executable' },
    ];
    for (const { argv, says } of cases) {
      const error = await within(Codex.start({ launchArgs: argv }).catch((e: unknown) => e), 10_000, `start ${argv[0]}`);
      expect(error).toBeInstanceOf(TransportClosedError);
      const message = (error as Error).message;
      expect(message).toContain(says);
      expect(message).toContain('never started');
      expect(message).not.toContain('still running');
    }
  });
});

describe('error messages and data', () => {
  it('keeps MethodNotFoundError short and the server text whole; InvalidParamsError reads as bad params', async () => {
    const methods = Array.from({ length: 300 }, (_, i) => `\`method/number${i}\``).join(', ');
    const serverText = `Invalid request: unknown variant \`no/such\`, expected one of ${methods}`;
    await using codex = await startFake({
      'no/such': [{ error: { code: -32600, message: serverText } }],
      'thread/read': [{ error: { code: -32600, message: 'Invalid request: missing field `threadId`' } }],
    });
    const unknown = await codex.rawRequest('no/such', {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MethodNotFoundError);
    expect((unknown as MethodNotFoundError).message).toContain('no/such');
    expect((unknown as MethodNotFoundError).message.length).toBeLessThan(200);
    expect((unknown as MethodNotFoundError).serverMessage).toBe(serverText);
    const bad = await codex.rawRequest('thread/read', {}).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidParamsError);
    expect((bad as Error).message).toBe('Invalid params for thread/read: missing field `threadId`');
  });

  it('redacts known secrets in JsonRpcError.data, at any depth', async () => {
    const secret = 'sk-proj-abcdefghijklmnop1234567890';
    await using codex = await startFake(
      { 'thread/read': [{ error: { code: -32600, message: `bad key ${secret}`, data: { detail: `key=${secret}`, nested: [{ [secret]: secret }] } } }] },
      { env: { OPENAI_API_KEY: secret } },
    );
    const error = await codex.rawRequest('thread/read', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    const text = JSON.stringify({ message: (error as InvalidRequestError).message, data: (error as InvalidRequestError).data });
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });
});

/** A transport that writes into the void and answers only when told to. */
class SilentTransport implements MessageTransport {
  readonly pid = undefined;
  handlers: TransportHandlers | undefined;
  readonly ids: unknown[] = [];
  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }
  send(message: object): boolean {
    if ('id' in message && 'method' in message) this.ids.push(message.id);
    return true;
  }
  async close(): Promise<void> {
    this.handlers?.end({ reason: 'closed', exitCode: 0, signal: null, stderrTail: '' });
  }
  stderrTail(): string {
    return '';
  }
}

describe('requests abandoned at their deadline leave nothing behind', () => {
  it('keeps no entry per dropped reply, and memory does not grow with them', async () => {
    const transport = new SilentTransport();
    const errors: ProtocolError[] = [];
    const connection = new RpcConnection(transport, {
      requestTimeoutMs: 60_000,
      maxInFlightRequests: 100_000,
      onNotification: () => undefined,
      onProtocolError: (error) => errors.push(error),
      onServerRequest: async () => null,
      onClose: () => undefined,
    });
    const batch = async (): Promise<void> => {
      const calls = Array.from({ length: 2_000 }, () => connection.request('thread/list', {}, { timeoutMs: 1 }).catch((e: unknown) => e));
      for (const error of await Promise.all(calls)) expect(error).toBeInstanceOf(RequestTimeoutError);
    };
    const heap = async (): Promise<number> => {
      await new Promise((resolve) => setImmediate(resolve));
      forceGc();
      return process.memoryUsage().heapUsed;
    };
    await batch();
    const start = await heap();
    for (let i = 0; i < 5; i++) await batch();
    const growth = (await heap()) - start;
    expect(connection.unansweredRequests).toBe(0);
    // 10,000 abandoned requests: a kept entry each would be megabytes.
    expect(growth).toBeLessThan(2 * 1024 * 1024);

    // A late answer to an abandoned request is dropped quietly; an unknown id is reported.
    transport.handlers!.message({ id: transport.ids.at(-1), result: {} });
    transport.handlers!.message({ id: 'never-sent', result: {} });
    expect(errors.map((e) => e.kind)).toEqual(['unexpectedResponse']);
    await connection.close();
  }, 60_000);
});
