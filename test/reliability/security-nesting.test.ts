import { describe, expect, it } from 'vitest';
import { InternalRpcError, ProtocolError } from '../../src/index.js';
import { startFake } from '../helpers/fake-server.js';
import { settlement, within } from '../helpers/reliability.js';

// A hostile or broken server can nest JSON deeper than JSON.stringify can recurse. Nothing it
// sends may throw out of the transport's data handler (an uncaught exception ends a host without
// a handler, and the rest of the chunk would be lost).

const DEPTH = 10_000;
/** Fake-server actions writing `before`, a value nested DEPTH levels deep, then `after` (the script goes in argv: keep it short). */
const deep = (before: string, after: string, object = true): unknown[] => [
  { raw: before },
  { rawRepeat: object ? '{"a":' : '[', times: DEPTH },
  { raw: object ? '1' : '' },
  { rawRepeat: object ? '}' : ']', times: DEPTH },
  { raw: after },
];

describe('security: deeply nested JSON from the server', () => {
  it('reports each deep line as a ProtocolError and delivers the rest of the chunk', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      // The answer to the request comes right behind the deep lines (the pipe joins the writes).
      const actions = [
        ...deep('{"id":987654,"result":', '}\n'), // an answer to no request
        ...deep('', '\n', false), // neither request, response nor notification
        ...deep('{"method":"x/deep","params":', '}\n'), // a notification
        { reply: { ok: true } },
      ];
      await using codex = await startFake({ 'x/deep': actions });
      const errors: ProtocolError[] = [];
      codex.on('error', (error) => errors.push(error));
      const answer = await within(codex.rawRequest('x/deep', {}, { timeoutMs: 10_000 }), 10_000, 'x/deep');
      expect(answer).toEqual({ ok: true });
      expect(errors.map((e) => e.kind)).toEqual(['unexpectedResponse', 'invalidMessage']);
      for (const error of errors) expect(error.lineStart?.length ?? 0).toBeLessThanOrEqual(200);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('settles a call answered by a deeply nested error without a code at once, as an InternalRpcError', async () => {
    await using codex = await startFake({ 'x/deepError': deep('{"id":1,"error":', '}\n') });
    const started = Date.now();
    // Client ids count from 0: initialize was 0, this request is 1.
    const result = await settlement(codex.rawRequest('x/deepError', {}, { timeoutMs: 15_000 }));
    expect(result.error).toBeInstanceOf(InternalRpcError);
    expect((result.error as Error).message).toMatch(/malformed error/);
    // Not at its deadline: well before the 30 s timeout (a generous bound, not a speed assert).
    expect(Date.now() - started).toBeLessThan(10_000);
    // The connection still works.
    expect(codex.closed).toBe(false);
  }, 25_000);
});
