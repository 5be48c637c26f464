import { describe, expect, it } from 'vitest';
import { AbortError, StreamConsumedError, TransportClosedError, TurnTimeoutError } from '../../src/errors.js';
import type { Notification } from '../../src/generated/methods.js';
import { HandleCore } from '../../src/session/handle-core.js';
import { initialTurnState } from '../../src/session/reducer.js';

// The piece TurnHandle and GoalHandle share (src/session/handle-core.ts): what their run(),
// stream() and whenDone() give. The handles' own tests (streams, goal, turns) cover it in place.

const closed = (): TransportClosedError => new TransportClosedError('gone', { exitCode: 1, signal: null, stderrTail: '' });
const note = (method: string): Notification => ({ method, params: {} }) as unknown as Notification;

async function drain(stream: AsyncIterable<Notification>): Promise<{ methods: string[]; error: unknown }> {
  const methods: string[] = [];
  try {
    for await (const n of stream) methods.push(n.method);
    return { methods, error: undefined };
  } catch (error) {
    return { methods, error };
  }
}

describe('HandleCore', () => {
  it('gives run() the result once ended, the same promise each call, and every consumer the whole stream', async () => {
    const core = new HandleCore<string>('Turn t1');
    const reading = [drain(core.stream()), drain({ [Symbol.asyncIterator]: () => core.subscribe() })];
    const run = core.outcome(() => 'result');
    expect(core.outcome(() => 'other')).toBe(run);
    core.events.push(note('a'));
    core.events.push(note('b'));
    core.events.end();
    core.settle();
    await expect(run).resolves.toBe('result');
    await expect(core.done).resolves.toBeUndefined();
    for (const read of await Promise.all(reading)) expect(read).toEqual({ methods: ['a', 'b'], error: undefined });
  });

  it('after run() released the history, a late consumer gets StreamConsumedError naming the handle', async () => {
    const core = new HandleCore<string>('The goal on thread x');
    core.events.push(note('a'));
    void core.outcome(() => 'r');
    // Readers attaching in the same synchronous block as run() still start at the beginning.
    await new Promise((resolve) => setImmediate(resolve));
    const late = await drain(core.stream());
    expect(late.error).toBeInstanceOf(StreamConsumedError);
    expect((late.error as Error).message).toContain('The goal on thread x');
    core.events.end();
    core.settle();
  });

  it('throws the connection error from run(), and the stop error over it when the SDK was stopping', async () => {
    const plain = new HandleCore<string>('Turn t1');
    const error = closed();
    plain.close(error);
    plain.settle();
    await expect(plain.outcome(() => 'r')).rejects.toBe(error);

    const stopped = new HandleCore<string>('Turn t2');
    const abort = new AbortError('Turn t2', undefined);
    expect(stopped.stop(abort, 60_000, () => undefined, () => undefined)).toBe(true);
    const reading = drain(stopped.stream());
    stopped.close(closed());
    stopped.settle();
    await expect(stopped.outcome(() => 'r')).rejects.toBe(abort);
    expect((await reading).error).toBe(abort);
  });

  it('stops once: after the grace period, runs afterwards, gives a timeout the last turn, then ends consumers with the error', async () => {
    const core = new HandleCore<string>('Turn t1');
    const timeout = new TurnTimeoutError('deadline', 5, undefined, 't1');
    const order: string[] = [];
    core.events.push(note('a'));
    expect(core.stop(timeout, 5, () => initialTurnState('th', 't1'), () => order.push('afterwards'))).toBe(true);
    expect(core.stop(new AbortError('x', undefined), 5, () => undefined, () => order.push('again'))).toBe(false);
    const read = await drain(core.stream());
    order.push('consumers ended');
    expect(read).toEqual({ methods: ['a'], error: timeout });
    expect(order).toEqual(['afterwards', 'consumers ended']);
    expect(timeout.turn).toMatchObject({ id: 't1' });
    core.settle();
  });

  it('clears its timers when settled', async () => {
    const core = new HandleCore<string>('Turn t1');
    let fired = false;
    core.timer(() => (fired = true), 1);
    core.settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(false);
  });
});
