import { describe, expect, it } from 'vitest';
import { RequestTimeoutError, TurnTimeoutError, type TurnHandle } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { settlement, sleep, within } from '../helpers/reliability.js';
import { delayedAnswers, scripted } from '../helpers/scripted.js';

// One model of a thread's turns, on the real binary: whole-turn deadlines, stalls, turns the
// server starts itself (compaction), and a turn/start whose answer comes too late.

describe('turn deadlines', () => {
  it('timeoutMs bounds the whole turn: the turn is interrupted, TurnTimeoutError carries the result so far, the thread goes on', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ before: [output.message('partial answer', { deltas: 2 })] }), reply.message('next answer'));
    const thread = await codex.threadStart();
    const outcome = await within(settlement(thread.run('never ends', { timeoutMs: 1_500 })), 15_000, 'run() with timeoutMs');
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    const error = outcome.error as TurnTimeoutError;
    expect(error.reason).toBe('deadline');
    expect(error.timeoutMs).toBe(1_500);
    // The server confirmed the stop: the result is the interrupted turn, with what it produced.
    expect(error.turn?.status).toBe('interrupted');
    expect(error.turn?.id).toBe(error.turnId);
    expect((await within(thread.run('and now?'), 15_000, 'the next run()')).finalResponse).toBe('next answer');
  });

  it('Codex.start({ turnTimeoutMs }) is the default deadline of every turn', async () => {
    await using env = await scripted({ codex: { turnTimeoutMs: 1_500 } });
    const { codex, model } = env;
    model.enqueue(reply.hang());
    const thread = await codex.threadStart();
    const turn = await thread.turn('never ends');
    const outcome = await within(settlement(turn.run()), 15_000, 'run() under turnTimeoutMs');
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    expect(turn.state.status).toBe('interrupted');
  });

  it('a turn whose model provider is unreachable ends at its deadline instead of retrying forever', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart();
    // Nothing listens on the provider's port any more: the server retries with willRetry errors.
    await model.close();
    const turn = await thread.turn('hello?', { timeoutMs: 3_000, stallTimeoutMs: Infinity });
    const retries: boolean[] = [];
    const streamed = settlement(
      (async () => {
        for await (const n of turn) if (n.method === 'error') retries.push(n.params.willRetry);
      })(),
    );
    const outcome = await within(settlement(turn.run()), 20_000, 'run() with the provider down');
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    expect((outcome.error as TurnTimeoutError).reason).toBe('deadline');
    expect((await streamed).error).toBeInstanceOf(TurnTimeoutError);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((willRetry) => willRetry)).toBe(true);
  });

  it('stallTimeoutMs ends a turn that makes no progress but retry errors', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart();
    await model.close();
    const outcome = await within(settlement(thread.run('hello?', { stallTimeoutMs: 2_000 })), 30_000, 'run() stalled');
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    const error = outcome.error as TurnTimeoutError;
    expect(error.reason).toBe('stalled');
    expect(error.message).toContain('retry');
  });
});

describe('turns the server starts', () => {
  it('compact() resolves when the compaction is done, and the next run() waits for it', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('first'), reply.message('summary of the thread'), reply.message('after compaction'));
    const thread = await codex.threadStart();
    await thread.run('hello');
    const compaction = await within(thread.compact(), 15_000, 'compact()');
    expect(compaction.status).toBe('completed');
    expect(compaction.items.map((item) => item.type)).toContain('contextCompaction');
    expect((await within(thread.run('go on'), 15_000, 'run() after compact()')).finalResponse).toBe('after compaction');
  });

  it('a run() called while compaction is still running waits for it instead of failing', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('first'), reply.message('summary'), reply.message('after compaction'));
    const thread = await codex.threadStart();
    await thread.run('hello');
    const compacting = thread.compact();
    const next = await within(thread.run('go on'), 15_000, 'run() during compaction');
    expect(next.finalResponse).toBe('after compaction');
    expect((await compacting).status).toBe('completed');
  });

  it('hands turns this client did not start to thread.turns(), and turn() waits for them', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('first'), reply.hang({ after: [output.message('summary')] }), reply.message('after it'));
    const thread = await codex.threadStart();
    await thread.run('hello');
    const foreign = thread.turns()[Symbol.asyncIterator]();
    // Started with a raw request, as another client or the server itself would: the SDK did not ask.
    await codex.request('thread/compact/start', { threadId: thread.id });
    const { value: handle } = (await within(foreign.next(), 15_000, 'turns().next()')) as { value: TurnHandle };
    await foreign.return?.();
    await model.waitForRequests(2);
    let nextStarted = false;
    const next = thread.run('after the compaction').then((result) => ((nextStarted = true), result));
    await sleep(500);
    expect(nextStarted).toBe(false);
    expect(handle.done).toBe(false);
    model.releaseHanging();
    expect((await within(handle.run(), 15_000, 'the compaction turn')).status).toBe('completed');
    expect((await within(next, 15_000, 'the run() behind it')).finalResponse).toBe('after it');
  });
});

describe('a turn/start answered too late', () => {
  it('keeps the thread busy until the server says the orphaned turn ended; the next turn gets its own id', async () => {
    // The first turn/start answer is held 15 s, past the client's 10 s request deadline (generous:
    // initialize has the same deadline, and a loaded machine can take seconds to start codex).
    await using env = await scripted({
      codex: { requestTimeoutMs: 10_000, launchArgs: delayedAnswers({ 'turn/start': { ms: 15_000, times: 1 } }) },
    });
    const { codex, model } = env;
    model.enqueue(reply.hang({ after: [output.message('orphan answer')] }), reply.message('second answer'));
    const thread = await codex.threadStart();
    const first = await within(settlement(thread.turn('first')), 20_000, 'the first turn()');
    expect(first.error).toBeInstanceOf(RequestTimeoutError);
    await model.waitForRequests(1, { timeoutMs: 10_000 });

    let secondStarted = false;
    const second = thread.turn('second').then((turn) => ((secondStarted = true), turn));
    await sleep(1_000);
    // Sent now, turn/start would fold 'second' into the orphaned turn.
    expect(secondStarted).toBe(false);
    expect(model.requests).toHaveLength(1);
    model.releaseHanging();
    const turn = await within(second, 15_000, 'the second turn()');
    const result = await within(turn.run(), 15_000, 'the second run()');
    expect(result.finalResponse).toBe('second answer');
    expect(model.requests[1]!.lastUserText).toBe('second');
    const read = await thread.read({ includeTurns: true });
    expect(read.thread.turns).toHaveLength(2);
    expect(read.thread.turns[1]!.id).toBe(turn.id);
  }, 90_000);
});
