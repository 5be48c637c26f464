import { describe, expect, it } from 'vitest';
import { TurnFailedError } from '../../src/index.js';
import { output, reply, type ScriptedReply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';
import { recordFigures, settlement, within } from '../helpers/reliability.js';

// The model provider fails in each way it can (HTTP 500, HTTP 429, a stream dropped mid-answer
// or before any event, `response.failed`), several times over, on the real binary: each turn
// rejects with TurnFailedError carrying the server's codexErrorInfo, the failure is visible on
// the turn's stream as a final `error` notification, and the thread takes the next turn.

const ROUNDS = 5;

const FAILURES: ReadonlyArray<{ name: string; make: () => ScriptedReply; codexErrorInfo: unknown }> = [
  { name: 'HTTP 500', make: () => reply.httpError(500), codexErrorInfo: 'internalServerError' },
  { name: 'HTTP 429', make: () => reply.httpError(429, { retryAfterSeconds: 0 }), codexErrorInfo: { responseTooManyFailedAttempts: { httpStatusCode: 429 } } },
  { name: 'stream dropped mid-answer', make: () => reply.drop({ before: [output.message('half an ans', { deltas: 3 })] }), codexErrorInfo: 'other' },
  { name: 'stream dropped before any event', make: () => reply.drop({ afterEvents: 0 }), codexErrorInfo: 'other' },
  { name: 'response.failed', make: () => reply.failed({ message: 'the model gave up' }), codexErrorInfo: 'other' },
  { name: 'response.failed (quota)', make: () => reply.failed({ code: 'insufficient_quota' }), codexErrorInfo: 'usageLimitExceeded' },
];

describe('reliability: the model provider fails', () => {
  it(`gives TurnFailedError with codexErrorInfo for every failure, ${ROUNDS} rounds, and the thread stays usable`, async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart();
    const seen: Record<string, unknown[]> = {};
    let recovered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const failure of FAILURES) {
        model.enqueue(failure.make());
        const turn = await thread.turn(`${failure.name}, round ${round}`);
        const errors: { willRetry: boolean; info: unknown }[] = [];
        const streamed = settlement(
          (async () => {
            for await (const n of turn) if (n.method === 'error') errors.push({ willRetry: n.params.willRetry, info: n.params.error.codexErrorInfo });
          })(),
        );
        const outcome = await within(settlement(turn.run()), 15_000, failure.name);
        expect((await streamed).ok).toBe(true);
        expect(outcome.ok, failure.name).toBe(false);
        const error = outcome.error as TurnFailedError;
        expect(error, failure.name).toBeInstanceOf(TurnFailedError);
        expect(error.turn.status).toBe('failed');
        expect(error.error?.codexErrorInfo, failure.name).toEqual(failure.codexErrorInfo);
        expect(error.message).toContain(turn.id);
        expect(errors.at(-1), failure.name).toEqual({ willRetry: false, info: failure.codexErrorInfo });
        (seen[failure.name] ??= []).push(error.error?.codexErrorInfo);

        model.enqueue(reply.message(`fine again after ${failure.name}`));
        const next = await within(thread.run('and now?'), 15_000, `the turn after ${failure.name}`);
        expect(next.status).toBe('completed');
        expect(next.finalResponse).toBe(`fine again after ${failure.name}`);
        recovered++;
      }
    }
    recordFigures('provider-failures', {
      failedTurns: ROUNDS * FAILURES.length,
      recoveredTurns: recovered,
      codexErrorInfo: Object.fromEntries(Object.entries(seen).map(([name, infos]) => [name, infos[0]])),
    });
  }, 90_000);
});
