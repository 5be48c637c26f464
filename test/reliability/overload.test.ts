import { describe, expect, it } from 'vitest';
import { Codex, RequestTimeoutError, ServerBusyError, retryOnOverload } from '../../src/index.js';
import { ScriptedModel } from '../../src/testing.js';
import { maxOf, recordFigures, settlement, tally, within } from '../helpers/reliability.js';

// A burst of 1,000 concurrent cheap requests (`thread/list`) on the real binary, every call
// wrapped in retryOnOverload.
//
// - With admission control lifted (maxInFlightRequests: 2000) the burst overflows the server's
//   128-slot inbound queue: some calls get -32001 (ServerBusyError, retried), and some get no
//   reply at all, because codex drops the overload reply when its outbound queue is full. Those
//   can only end at their deadline. This test uses a 5 s deadline instead of the default
//   120 s: every reply the server does send arrives within about 0.3 s here, so 5 s is ample,
//   and the outcome is the same RequestTimeoutError, without the suite waiting two minutes.
// - With the default admission control (64 in flight) the same burst never overflows.

const BURST = 1_000;
const OVERFLOW_DEADLINE_MS = 5_000;

interface BurstFigures {
  readonly succeeded: number;
  /** Calls that got at least one ServerBusyError and were retried. */
  readonly retriedCalls: number;
  /** Retries in all (a call may be retried twice). */
  readonly retries: number;
  /** Calls whose every attempt was refused (ServerBusyError after 3 attempts). */
  readonly exhausted: number;
  /** Calls whose request got no reply before the deadline. */
  readonly timedOut: number;
  readonly otherErrors: string[];
  readonly settled: number;
  readonly slowestSettleMs: number;
  readonly burstMs: number;
}

async function burst(codex: Codex): Promise<BurstFigures> {
  const retriesPerCall = new Array<number>(BURST).fill(0);
  const started = performance.now();
  const calls = Array.from({ length: BURST }, (_, i) =>
    settlement(retryOnOverload(() => codex.request('thread/list', { limit: 1 }), { onRetry: () => void (retriesPerCall[i]! += 1) })),
  );
  // Every call has a deadline, so all of them settle; the bound only turns a hang into a failure.
  const outcomes = await within(Promise.all(calls), 60_000, 'the burst');
  const kinds = tally(outcomes.map((o) => (o.ok ? 'ok' : (o.error as Error).constructor.name)));
  return {
    succeeded: kinds.ok ?? 0,
    retriedCalls: retriesPerCall.filter((n) => n > 0).length,
    retries: retriesPerCall.reduce((a, b) => a + b, 0),
    exhausted: outcomes.filter((o) => !o.ok && o.error instanceof ServerBusyError).length,
    timedOut: outcomes.filter((o) => !o.ok && o.error instanceof RequestTimeoutError).length,
    otherErrors: outcomes.filter((o) => !o.ok && !(o.error instanceof ServerBusyError) && !(o.error instanceof RequestTimeoutError)).map((o) => String(o.error)),
    settled: outcomes.length,
    slowestSettleMs: Math.round(maxOf(outcomes.map((o) => o.at - started))),
    burstMs: Math.round(performance.now() - started),
  };
}

describe('reliability: a burst of requests', () => {
  it(`with admission control lifted, every one of ${BURST} calls settles; overloads are retried`, async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    await using codex = await Codex.start({ codexHome: home.path, maxInFlightRequests: 2_000, requestTimeoutMs: OVERFLOW_DEADLINE_MS });
    const figures = await burst(codex);
    expect(figures.settled).toBe(BURST);
    expect(figures.otherErrors).toEqual([]);
    expect(figures.succeeded + figures.exhausted + figures.timedOut).toBe(BURST);
    expect(figures.succeeded).toBeGreaterThan(0);
    // The server is fine afterwards.
    await expect(codex.request('thread/list', { limit: 1 }, { timeoutMs: 10_000 })).resolves.toMatchObject({ data: expect.any(Array) });
    recordFigures('overload-lifted', { burst: BURST, maxInFlightRequests: 2_000, requestTimeoutMs: OVERFLOW_DEADLINE_MS, hung: 0, ...figures });
  }, 60_000);

  it(`with the default admission control, all ${BURST} calls succeed and none is refused`, async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    await using codex = await Codex.start({ codexHome: home.path });
    const figures = await burst(codex);
    expect(figures).toMatchObject({ settled: BURST, succeeded: BURST, retriedCalls: 0, exhausted: 0, timedOut: 0, otherErrors: [] });
    recordFigures('overload-default', { burst: BURST, maxInFlightRequests: 64, requestTimeoutMs: 120_000, hung: 0, ...figures });
  }, 60_000);
});
