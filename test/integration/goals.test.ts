import { describe, expect, it } from 'vitest';
import { AbortError, InvalidArgumentError, TransportClosedError, TurnTimeoutError, type Notification, type TurnHandle } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { settlement, within } from '../helpers/reliability.js';
import { scripted } from '../helpers/scripted.js';

// Goals on the real binary: the server runs turns by itself (no turn/start) until the goal is
// complete, paused, over budget or cleared. The scripted model completes a goal by calling the
// `update_goal` tool codex offers in every turn.

const completeGoal = () => reply.response([output.functionCall('update_goal', { status: 'complete' })]);

async function collect(stream: AsyncIterable<Notification>): Promise<string[]> {
  const methods: string[] = [];
  for await (const n of stream) methods.push(n.method);
  return methods;
}

describe('thread.goal()', () => {
  it('runs a goal completed in two turns: the stream covers both and ends after the last turn/completed', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const usage = { inputTokens: 10, outputTokens: 5 };
    model.enqueue(reply.message('working on it', { usage }), reply.response([output.functionCall('update_goal', { status: 'complete' })], { usage }), reply.message('Goal complete.', { usage }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Write the word hello', { tokenBudget: 100_000 });
    const streamed = collect(goal);
    const result = await within(goal.run(), 30_000, 'goal.run()');
    const methods = await within(streamed, 5_000, 'the goal stream');

    expect(result.goal?.status).toBe('complete');
    expect(result.goal?.objective).toBe('Write the word hello');
    expect(result.turns.map((turn) => turn.status)).toEqual(['completed', 'completed']);
    expect(result.turns[0]!.finalResponse).toBe('working on it');
    expect(result.finalResponse).toBe('Goal complete.');
    // Three model responses of 15 tokens each.
    expect(result.usage?.totalTokens).toBe(45);
    expect(methods.filter((m) => m === 'turn/started')).toHaveLength(2);
    expect(methods.filter((m) => m === 'turn/completed')).toHaveLength(2);
    expect(methods.at(-1)).toBe('turn/completed');
    expect(methods).toContain('thread/goal/updated');
    expect(goal.done).toBe(true);
    expect(thread.currentGoal?.status).toBe('complete');
    expect((await thread.getGoal())?.status).toBe('complete');

    // The thread goes on with ordinary turns, no continuation in the way.
    model.enqueue(reply.message('after the goal'));
    const next = await within(thread.run('and now?'), 15_000, 'run() after the goal');
    expect(next.finalResponse).toBe('after the goal');
    expect(model.requests.at(-1)!.lastUserText).toBe('and now?');
  });

  it('thread.run(objective, { goal: true }) runs the goal to its end and resolves to a GoalResult', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(completeGoal(), reply.message('Done in one turn.'));
    const thread = await codex.threadStart();
    const result = await within(thread.run('Say done', { goal: { tokenBudget: 50_000 } }), 30_000, 'run({ goal })');
    expect(result.goal?.status).toBe('complete');
    expect(result.goal?.tokenBudget).toBe(50_000);
    expect(result.turns).toHaveLength(1);
    expect(result.finalResponse).toBe('Done in one turn.');
  });

  it('pause(): the running turn finishes, no further turn starts, run() resolves with the goal paused', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ after: [output.message('first turn done')] }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Keep going');
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    const paused = await goal.pause();
    expect(paused.status).toBe('paused');
    expect(goal.done).toBe(false);
    model.releaseHanging();
    const result = await within(goal.run(), 15_000, 'goal.run() after pause()');
    expect(result.goal?.status).toBe('paused');
    expect(result.turns.map((turn) => turn.status)).toEqual(['completed']);
    expect(result.finalResponse).toBe('first turn done');
    // Nothing continued: the next ordinary turn is the model's second request.
    model.enqueue(reply.message('next'));
    expect((await within(thread.run('next'), 15_000, 'run() after the paused goal')).finalResponse).toBe('next');
    expect(model.requests).toHaveLength(2);
  });

  it('stops over budget: the goal ends budgetLimited after the turn that used it up', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('spent it all', { usage: { inputTokens: 40, outputTokens: 10 } }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Use few tokens', { tokenBudget: 20 });
    const result = await within(goal.run(), 30_000, 'goal.run() over budget');
    expect(result.goal?.status).toBe('budgetLimited');
    expect(result.goal?.tokensUsed).toBeGreaterThanOrEqual(20);
    expect(result.turns).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
  });

  it('interrupt() pauses the goal and interrupts its running turn; the stream ends normally after it', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ before: [output.message('partial', { deltas: 2 })] }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Never finishes');
    const streamed = collect(goal);
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    await within(goal.interrupt(), 15_000, 'goal.interrupt()');
    const result = await within(goal.run(), 15_000, 'goal.run() after interrupt()');
    expect(result.goal?.status).toBe('paused');
    expect(result.turns.map((turn) => turn.status)).toEqual(['interrupted']);
    const methods = await within(streamed, 5_000, 'the goal stream');
    expect(methods.at(-1)).toBe('turn/completed');
    model.enqueue(reply.message('after'));
    expect((await within(thread.run('go on'), 15_000, 'run() after the interrupted goal')).finalResponse).toBe('after');
  });

  it('an abort through signal stops the goal and rejects run() with AbortError', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang());
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const goal = await thread.goal('Never finishes', { signal: controller.signal });
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    controller.abort();
    const outcome = await within(settlement(goal.run()), 15_000, 'goal.run() after abort');
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(goal.state.turns.at(-1)?.status).toBe('interrupted');
    expect((await thread.getGoal())?.status).toBe('paused');
  });

  it('timeoutMs bounds the whole goal: paused, its turn interrupted, run() rejects with TurnTimeoutError', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ before: [output.message('partial')] }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Never finishes', { timeoutMs: 2_000 });
    const outcome = await within(settlement(goal.run()), 20_000, 'goal.run() past its deadline');
    expect(outcome.error).toBeInstanceOf(TurnTimeoutError);
    const error = outcome.error as TurnTimeoutError;
    expect(error.reason).toBe('deadline');
    expect(error.turn?.status).toBe('interrupted');
    expect((await thread.getGoal())?.status).toBe('paused');
  });

  it('clear() mid-turn: the turn finishes, nothing follows, the result says cleared', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ after: [output.message('finished anyway')] }));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Keep going');
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    expect(await goal.clear()).toBe(true);
    model.releaseHanging();
    const result = await within(goal.run(), 15_000, 'goal.run() after clear()');
    expect(result.cleared).toBe(true);
    expect(result.turns.map((turn) => turn.status)).toEqual(['completed']);
    expect(result.finalResponse).toBe('finished anyway');
    expect(thread.currentGoal).toBeNull();
  });

  it('steer() adds input to the goal’s running turn', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang(), completeGoal(), reply.message('steered and done'));
    const thread = await codex.threadStart();
    const goal = await thread.goal('Do the thing');
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    const steered = await goal.steer('Also mention the weather');
    expect(steered.turnId).toBe(goal.state.runningTurnId);
    model.releaseHanging();
    const result = await within(goal.run(), 20_000, 'goal.run() after steer()');
    expect(result.goal?.status).toBe('complete');
    expect(model.requests.some((request) => request.lastUserText === 'Also mention the weather')).toBe(true);
  });

  it('the server going away ends the goal with TransportClosedError', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang());
    const thread = await codex.threadStart();
    const goal = await thread.goal('Never finishes');
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    const streamed = settlement(collect(goal));
    await codex.close();
    expect((await within(settlement(goal.run()), 10_000, 'goal.run() after close')).error).toBeInstanceOf(TransportClosedError);
    expect((await within(streamed, 10_000, 'the goal stream after close')).error).toBeInstanceOf(TransportClosedError);
  });

  it('rejects bad arguments with InvalidArgumentError before sending anything', async () => {
    await using env = await scripted();
    const thread = await env.codex.threadStart();
    await expect(thread.goal('')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(thread.goal('x', { tokenBudget: 0 })).rejects.toThrow(/tokenBudget/);
    await expect(thread.run('x', { goal: 'yes' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(env.model.requests).toHaveLength(0);
    // The thread's line is free again after a refused goal: an ordinary turn still runs.
    env.model.enqueue(reply.message('still usable'));
    expect((await within(thread.run('hi'), 15_000, 'run() after refused goals')).finalResponse).toBe('still usable');
  });
});

describe('goals the server continues by itself', () => {
  it('resuming a thread whose goal is active starts a turn at once: run() waits for it instead of colliding', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang());
    const first = await codex.threadStart();
    const foreign = first.turns()[Symbol.asyncIterator]();
    // Set without the SDK's goal handle, as another client would.
    await codex.request('thread/goal/set', { threadId: first.id, objective: 'Survive a restart' });
    const { value: goalTurn } = (await within(foreign.next(), 15_000, 'the goal turn')) as { value: TurnHandle };
    await foreign.return?.();
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    // Interrupted, the goal stays active but does not continue.
    await goalTurn.interrupt();
    await within(goalTurn.whenDone(), 15_000, 'the interrupted goal turn');
    expect((await first.getGoal())?.status).toBe('active');
    await codex.close();

    model.enqueue(completeGoal(), reply.message('goal finished after resume'), reply.message('answer to the user'));
    const codex2 = await env.start();
    const thread = await codex2.threadResume(first.id);
    const continued = thread.turns()[Symbol.asyncIterator]();
    const result = await within(thread.run('after resume'), 30_000, 'run() right after resume');
    expect(result.finalResponse).toBe('answer to the user');
    expect(model.requests.at(-1)!.lastUserText).toBe('after resume');
    const { value: continuation } = (await within(continued.next(), 5_000, 'the continuation turn')) as { value: TurnHandle };
    await continued.return?.();
    const continuationResult = await within(continuation.run(), 5_000, 'the continuation turn result');
    expect(continuationResult.finalResponse).toBe('goal finished after resume');
    expect(continuationResult.id).not.toBe(result.id);
    expect(thread.currentGoal?.status).toBe('complete');
  }, 60_000);
});
