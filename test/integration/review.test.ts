import { describe, expect, it } from 'vitest';
import { AbortError, InvalidArgumentError, type Notification } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { settlement, sleep, within } from '../helpers/reliability.js';
import { scripted } from '../helpers/scripted.js';

// Reviews on the real binary. The server runs a review as a turn with two ids: review/start's
// (items, turn/completed) and turn/started's (the only one turn/interrupt accepts).

const findings = {
  findings: [
    {
      title: '[P1] add subtracts',
      body: 'add() returns a - b.',
      confidence_score: 0.9,
      priority: 1,
      code_location: { absolute_file_path: '/tmp/project/a.js', line_range: { start: 1, end: 1 } },
    },
  ],
  overall_correctness: 'patch is incorrect',
  overall_explanation: 'add() is broken.',
  overall_confidence_score: 0.8,
};

describe('thread.review()', () => {
  it('runs a review: the handle streams the review turn and run() carries the rendered review', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message(JSON.stringify(findings)));
    const thread = await codex.threadStart();
    const review = await thread.review({ type: 'uncommittedChanges' });
    const seen: Notification[] = [];
    const streamed = (async () => {
      for await (const n of review) seen.push(n);
    })();
    const result = await within(review.run(), 30_000, 'review.run()');
    await within(streamed, 5_000, 'the review stream');
    expect(result.status).toBe('completed');
    expect(result.id).toBe(review.id);
    expect(result.review).toContain('add() is broken.');
    expect(result.review).toContain('[P1] add subtracts');
    expect(result.items.map((item) => item.type)).toEqual(expect.arrayContaining(['enteredReviewMode', 'exitedReviewMode']));
    const methods = seen.map((n) => n.method);
    // turn/started carries the other id, and still reaches this handle.
    expect(methods).toContain('turn/started');
    expect(methods.at(-1)).toBe('turn/completed');
    expect(model.requests[0]!.lastUserText).toContain('Review the current code changes');

    // The next ordinary turn is its own turn.
    model.enqueue(reply.message('after the review'));
    expect((await within(thread.run('thanks'), 15_000, 'run() after the review')).finalResponse).toBe('after the review');
  });

  it('interrupt() stops a review whose model never answers (turn/interrupt needs the second id)', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang());
    const thread = await codex.threadStart();
    const review = await thread.review({ type: 'custom', instructions: 'Look for bugs in a.js' });
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    await within(review.interrupt(), 15_000, 'review.interrupt()');
    const result = await within(review.run(), 15_000, 'review.run() after interrupt()');
    expect(result.status).toBe('interrupted');
    expect(result.review).toBe('Reviewer failed to output a response.');
    expect(model.requests[0]!.lastUserText).toBe('Look for bugs in a.js');
  });

  it('a turn started while a review runs waits for it; an abort through signal interrupts the review', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang(), reply.message('after the review'));
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const review = await thread.review({ type: 'baseBranch', branch: 'main' }, { signal: controller.signal });
    await model.waitForRequests(1, { timeoutMs: 15_000 });
    let nextStarted = false;
    const next = thread.run('after it').then((result) => ((nextStarted = true), result));
    await sleep(500);
    // Sent now, turn/start would fail: the server does not take input while a review runs.
    expect(nextStarted).toBe(false);
    expect(model.requests).toHaveLength(1);
    controller.abort();
    const outcome = await within(settlement(review.run()), 15_000, 'review.run() after abort');
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(review.state.status).toBe('interrupted');
    expect((await within(next, 15_000, 'the run() behind the review')).finalResponse).toBe('after the review');
  });

  it('rejects a malformed target with InvalidArgumentError before sending anything', async () => {
    await using env = await scripted();
    const thread = await env.codex.threadStart();
    await expect(thread.review({ type: 'baseBranch' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(thread.review({ type: 'detached' } as never)).rejects.toThrow(/target/);
    expect(env.model.requests).toHaveLength(0);
  });
});
