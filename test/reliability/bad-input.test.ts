import { describe, expect, it } from 'vitest';
import { InternalRpcError, ProtocolError, type Codex, type Notification } from '../../src/index.js';
import { startFake, type FakeScript } from '../helpers/fake-server.js';
import { captureWarnings } from '../helpers/leaks.js';
import { recordFigures, settlement, tally, within } from '../helpers/reliability.js';

// What a broken or hostile server can write, from a fake server process: garbage lines, a line
// split across many writes, a 20 MB line, invalid UTF-8, unknown notifications, answers to no
// request, duplicate answers, malformed answers and notifications, a server request nobody
// handles. No crash, a typed error event for what cannot be used, and the connection keeps
// working wherever the protocol allows.

const OK = { 'x/ok': [{ reply: 'still working' }] };
const figures: Record<string, unknown> = {};
/** Every error event of the file, for the figures. */
const allErrors: ProtocolError[] = [];

/** Starts a fake with `script` (plus `x/ok`), collecting error events and warnings. */
async function withFake(script: FakeScript, options: Parameters<typeof startFake>[1] = {}): Promise<{ codex: Codex; errors: ProtocolError[] }> {
  const codex = await startFake({ ...OK, ...script }, options);
  const errors: ProtocolError[] = [];
  codex.on('error', (error) => {
    errors.push(error);
    allErrors.push(error);
  });
  return { codex, errors };
}

async function stillWorks(codex: Codex): Promise<void> {
  await expect(codex.rawRequest('x/ok', {}, { timeoutMs: 10_000 })).resolves.toBe('still working');
  expect(codex.closed).toBe(false);
}

const line = (value: unknown): { raw: string } => ({ raw: `${JSON.stringify(value)}\n` });
const b64 = (bytes: readonly number[] | Buffer): string => Buffer.from(bytes as number[]).toString('base64');

describe('reliability: bad input from the server', () => {
  it('reports garbage lines as typed error events and keeps the connection', async () => {
    const { codex, errors } = await withFake({
      'x/garbage': [
        { raw: 'not json at all\n' },
        { raw: '{"unterminated": \n' },
        { raw: '\n\n   \n\r\n' },
        { raw: '[1,2,3]\n42\n"a string"\nnull\ntrue\n' },
        { raw: '{"neither":"request, response nor notification"}\n' },
        { raw: '{"method":"x/request","id":{"an":"object id"}}\n' },
        { reply: 'answered after the garbage' },
      ],
    });
    await expect(codex.rawRequest('x/garbage', {})).resolves.toBe('answered after the garbage');
    expect(errors.every((e) => e instanceof ProtocolError)).toBe(true);
    // Empty lines are skipped; a line of spaces is not JSON.
    expect(errors.map((e) => e.kind)).toEqual([
      'invalidJson',
      'invalidJson',
      'invalidJson',
      'invalidMessage',
      'invalidMessage',
      'invalidMessage',
      'invalidMessage',
      'invalidMessage',
      'invalidMessage',
      'invalidMessage',
    ]);
    expect(errors[0]!.lineStart).toBe('not json at all');
    await stillWorks(codex);
    figures.garbageLines = errors.length;
    await codex.close();
  });

  it('joins a line split across 500 writes', async () => {
    const result = { text: 'ü€😀'.repeat(200), nested: { list: Array.from({ length: 50 }, (_, i) => i) } };
    const { codex, errors } = await withFake({ 'x/split': [{ replySplit: result, pieces: 500, gapMs: 1 }] });
    await expect(within(codex.rawRequest('x/split', {}), 20_000, 'the split answer')).resolves.toEqual(result);
    expect(errors).toEqual([]);
    await stillWorks(codex);
    await codex.close();
  }, 30_000);

  it('takes a 20 MB line whole, and skips one over maxMessageBytes with an error event', async () => {
    const size = 20_000_000;
    const { codex, errors } = await withFake({
      'x/big': [{ replyPadded: size }],
      'x/bigNotification': [
        { notifyPadded: { method: 'x/huge', params: {} }, field: 'blob', bytes: size },
        { rawRepeat: 'g', times: size },
        { raw: '\n' },
        { reply: 'after the huge lines' },
      ],
    });
    const started = performance.now();
    const big = (await codex.rawRequest('x/big', {}, { timeoutMs: 60_000 })) as { pad: string };
    const bigMs = performance.now() - started;
    expect(big.pad.length).toBe(size);
    const huge = codex.notifications();
    await expect(codex.rawRequest('x/bigNotification', {}, { timeoutMs: 60_000 })).resolves.toBe('after the huge lines');
    const first = await huge.next();
    expect((first.value as Notification).method).toBe('x/huge');
    await huge.return?.();
    // The garbage line is reported with its first 200 characters only.
    expect(errors.map((e) => e.kind)).toEqual(['invalidJson']);
    expect(errors[0]!.lineStart).toBe('g'.repeat(200));
    await stillWorks(codex);
    await codex.close();

    const limited = await withFake(
      { 'x/bigNotification': [{ notifyPadded: { method: 'x/huge', params: {} }, field: 'blob', bytes: size }, { reply: 'after the skipped line' }] },
      { maxMessageBytes: 1024 * 1024 },
    );
    const seen: string[] = [];
    const reading = (async () => {
      for await (const n of limited.codex.notifications()) seen.push(n.method);
    })();
    await expect(limited.codex.rawRequest('x/bigNotification', {}, { timeoutMs: 60_000 })).resolves.toBe('after the skipped line');
    expect(limited.errors.map((e) => e.kind)).toEqual(['oversizedLine']);
    expect(limited.errors[0]!.message).toContain(`${size + '{"method":"x/huge","params":{"blob":""}}'.length}-character line`);
    expect(limited.errors[0]!.lineStart).toBe('{"method":"x/huge","params":{"blob":"xxxx'.padEnd(200, 'x'));
    await stillWorks(limited.codex);
    await limited.codex.close();
    await reading;
    expect(seen).not.toContain('x/huge');
    figures.twentyMegabyteLineMs = Math.round(bigMs);
  }, 60_000);

  it('decodes invalid UTF-8 to U+FFFD, and a character split across writes whole', async () => {
    const euro = Buffer.from('€', 'utf8');
    const { codex, errors } = await withFake({
      'x/invalid': [
        { rawBase64: b64(Buffer.concat([Buffer.from('{"method":"x/text","params":{"text":"a'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('b"}}\n')])) },
        { reply: 'ok' },
      ],
      'x/invalidLine': [{ rawBase64: b64([0xff, 0xfe, 0xfd, 0x0a]) }, { reply: 'after the invalid line' }],
      'x/splitChar': [
        {
          rawBase64Chunks: [
            b64(Buffer.from('{"method":"x/char","params":{"c":"')),
            b64(euro.subarray(0, 1)),
            b64(euro.subarray(1, 2)),
            b64(Buffer.concat([euro.subarray(2), Buffer.from('"}}\n')])),
          ],
          gapMs: 5,
        },
        { reply: 'after the split character' },
      ],
    });
    const received: Notification[] = [];
    const reading = (async () => {
      for await (const n of codex.notifications()) received.push(n);
    })();
    await expect(codex.rawRequest('x/invalid', {})).resolves.toBe('ok');
    await expect(codex.rawRequest('x/invalidLine', {})).resolves.toBe('after the invalid line');
    await expect(codex.rawRequest('x/splitChar', {})).resolves.toBe('after the split character');
    expect(errors.map((e) => e.kind)).toEqual(['invalidJson']);
    expect(errors[0]!.lineStart).toBe('\ufffd\ufffd\ufffd');
    await stillWorks(codex);
    await codex.close();
    await reading;
    expect(received.map((n) => n.params)).toEqual([{ text: 'a\ufffd(\ufffd\ufffdb' }, { c: '€' }]);
  });

  it('passes an unknown notification method through, with no error', async () => {
    const { codex, errors } = await withFake({
      'x/unknown': [line({ method: 'brand/new/notification', params: { anything: [1, 2, 3] } }), line({ method: 'noParams' }), { reply: 'ok' }],
    });
    const stream = codex.notifications();
    await codex.rawRequest('x/unknown', {});
    expect((await stream.next()).value).toEqual({ method: 'brand/new/notification', params: { anything: [1, 2, 3] } });
    expect((await stream.next()).value).toEqual({ method: 'noParams' });
    await stream.return?.();
    expect(errors).toEqual([]);
    await stillWorks(codex);
    await codex.close();
  });

  it('reports an answer to an unknown id and a duplicate answer, and keeps both requests right', async () => {
    const { codex, errors } = await withFake({
      'x/dup': [
        line({ id: 987_654, result: 'for nobody' }),
        line({ id: 'not-an-id-we-sent', error: { code: -32600, message: 'for nobody either' } }),
        { reply: 'first answer' },
        { reply: 'second answer' },
      ],
    });
    await expect(codex.rawRequest('x/dup', {})).resolves.toBe('first answer');
    await expect.poll(() => errors.length).toBe(3);
    expect(errors.map((e) => e.kind)).toEqual(['unexpectedResponse', 'unexpectedResponse', 'unexpectedResponse']);
    expect(errors[0]!.message).toContain('987654');
    expect(errors[2]!.lineStart).toContain('second answer');
    await stillWorks(codex);
    await codex.close();
  });

  it('answers a server request with an unknown method with a JSON-RPC error, and goes on', async () => {
    const { codex, errors } = await withFake({
      $echoResponses: true,
      'x/ask': [
        { request: { id: 0, method: 'brand/new/serverRequest', params: { question: '?' } } },
        { request: { id: 1, method: 'item/commandExecution/requestApproval', params: null } },
        { reply: 'asked' },
      ],
    });
    const answers: unknown[] = [];
    const reading = (async () => {
      for await (const n of codex.notifications()) {
        if ((n.method as string) === 'fake/response') answers.push((n as { params: unknown }).params);
        if (answers.length === 2) break;
      }
    })();
    await codex.rawRequest('x/ask', {});
    await within(reading, 10_000, 'the answers to the server requests');
    expect(answers).toContainEqual({
      id: 0,
      error: { code: -32601, message: expect.stringContaining('brand/new/serverRequest is not handled by this client') },
    });
    // A known method with unusable params still gets the safe answer, and is reported.
    expect(answers).toContainEqual({ id: 1, result: { decision: 'decline' } });
    expect(errors.map((e) => [e.kind, e.message.includes('item/commandExecution/requestApproval params')])).toEqual([['invalidMessage', true]]);
    await stillWorks(codex);
    await codex.close();
  });

  it('survives malformed notifications of known methods: an error event, no crash, nothing after them lost', async () => {
    const warnings = captureWarnings();
    const thread = 'thread-bad';
    const turnId = 'turn-bad';
    const { codex, errors } = await withFake({
      'thread/start': [{ reply: { thread: { id: thread } } }],
      'turn/start': [
        { reply: { turn: { id: turnId, status: 'inProgress', items: [] } } },
        { sleep: 50 },
        line({ method: 'turn/started', params: { threadId: thread, turn: { id: turnId, status: 'inProgress', items: [] } } }),
        // All of these arrive in one write, so one that throws could take the rest with it.
        {
          raw: [
            { method: 'account/login/completed', params: null },
            { method: 'item/completed', params: { threadId: thread, turnId, item: null } },
            { method: 'item/completed', params: { threadId: thread, turnId, item: { type: 'agentMessage', id: 'm1', text: 'kept', phase: null } } },
            { method: 'turn/completed', params: { threadId: thread, turn: { id: turnId, status: 'completed', items: [], error: null } } },
          ]
            .map((m) => `${JSON.stringify(m)}\n`)
            .join(''),
        },
      ],
    });
    const t = await codex.threadStart();
    const turn = await t.turn('go');
    const result = await within(settlement(turn.run()), 10_000, 'the turn with malformed events');
    warnings.stop();
    expect(result.ok, String(result.error)).toBe(true);
    expect(result.value).toMatchObject({ status: 'completed', finalResponse: 'kept' });
    expect(errors.map((e) => e.kind)).toEqual(['invalidMessage', 'invalidMessage']);
    expect(errors[0]!.message).toContain('account/login/completed');
    expect(errors[1]!.message).toContain('item/completed');
    await stillWorks(codex);
    await codex.close();
  });

  it('rejects a malformed error answer as InternalRpcError, not as an overload or a closed transport', async () => {
    const bad = ['"boom"', '{"code":"x","message":"boom"}', '{"message":"no code"}', '5', 'null'];
    const { codex, errors } = await withFake(
      Object.fromEntries(bad.map((error, i) => [`x/bad${i}`, [{ echo: { to: 'stdout', text: `{"id":$id,"error":${error}}\n` } }]])),
    );
    for (let i = 0; i < bad.length; i++) {
      const error = await codex.rawRequest(`x/bad${i}`, {}, { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error, bad[i]).toBeInstanceOf(InternalRpcError);
      expect((error as InternalRpcError).method).toBe(`x/bad${i}`);
      expect((error as Error).message, bad[i]).toContain(bad[i] === '{"code":"x","message":"boom"}' ? 'boom' : 'malformed error');
    }
    expect(errors).toEqual([]);
    await stillWorks(codex);
    await codex.close();
    recordFigures('bad-input', { ...figures, errorEvents: tally(allErrors.map((e) => e.kind)), crashes: 0 });
  });
});
