import { describe, expect, it } from 'vitest';
import { AbortError, reduceTurn, initialTurnState, turnIdOf, type TurnHandle } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { delayedAnswers, scripted } from '../helpers/scripted.js';
import { collect } from '../helpers/events.js';

// Turns as users drive them: `for await` over a turn, run(), text(), control. Real binary,
// scripted model.

async function collectText(turn: TurnHandle): Promise<string> {
  let text = '';
  for await (const delta of turn.text()) text += delta;
  return text;
}

describe('turn streams', () => {
  it('yields only this turn’s notifications, in order, and ends right after turn/completed', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('Streaming works fine', { deltas: 5 }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('Say something');
    const seen = await collect(turn);

    expect(seen.every((n) => turnIdOf(n) === turn.id)).toBe(true);
    const methods = seen.map((n) => n.method);
    expect(methods[0]).toBe('turn/started');
    expect(methods.at(-1)).toBe('turn/completed');
    expect(methods.filter((m) => m === 'item/agentMessage/delta')).toHaveLength(5);
    // Thread-wide notifications (status changes) stay on codex.notifications().
    expect(methods).not.toContain('thread/status/changed');
    expect(turn.done).toBe(true);
  });

  it('text() yields the agent’s deltas, and run() rebuilds the result from the same stream', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('one two three four', { deltas: 4, usage: { inputTokens: 11, outputTokens: 4 } }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('Count');
    const result = turn.run();
    const text = await collectText(turn);
    const done = await result;
    expect(text).toBe('one two three four');
    expect(done.finalResponse).toBe(text);
    expect(done.status).toBe('completed');
    expect(done.id).toBe(turn.id);
    expect(done.usage?.last.outputTokens).toBe(4);
  });

  it('text() separates one agent message from the next', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(
      reply.response([output.message('Checking.', { phase: 'commentary', deltas: 2 }), output.message('Done.', { phase: 'final_answer', deltas: 2 })]),
      reply.response([output.message('One.', { deltas: 2 }), output.message('Two.', { deltas: 2 })]),
    );
    const thread = await codex.threadStart();
    expect(await collectText(await thread.turn('first'))).toBe('Checking.\n\nDone.');
    let custom = '';
    for await (const delta of (await thread.turn('second')).text({ separator: ' | ' })) custom += delta;
    expect(custom).toBe('One. | Two.');
  });

  it('lets run() and a UI loop read one turn at once, each seeing every event', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('shared stream', { deltas: 3 }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('hi');
    const [uiEvents, secondUi, result] = await Promise.all([collect(turn), collect(turn.stream()), turn.run()]);
    expect(uiEvents.map((n) => n.method)).toEqual(secondUi.map((n) => n.method));
    expect(uiEvents[0]!.method).toBe('turn/started');
    // The exported reducer folded over what the UI saw gives what run() returned.
    const folded = uiEvents.reduce(reduceTurn, initialTurnState(thread.id, turn.id));
    expect(folded.items).toEqual(result.items);
    expect(folded.status).toBe(result.status);
  });

  it('keeps the turn running when a consumer breaks out of its loop', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('a b c d e f', { deltas: 6 }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('go');
    for await (const n of turn) {
      if (n.method === 'item/agentMessage/delta') break;
    }
    const result = await turn.run();
    expect(result.status).toBe('completed');
    expect(result.finalResponse).toBe('a b c d e f');
  });

  it('continues a conversation across turns on one thread', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('My name is Scripty.'), reply.message('You asked for my name.'));
    const thread = await codex.threadStart();
    expect((await thread.run('What is your name?')).finalResponse).toBe('My name is Scripty.');
    expect((await thread.run('What did I ask?')).finalResponse).toBe('You asked for my name.');
    const second = model.requests[1]!;
    expect(second.userTexts).toContain('What is your name?');
    expect(second.lastUserText).toBe('What did I ask?');
    expect(JSON.stringify(second.messages('assistant'))).toContain('My name is Scripty.');
  });

  it('streams two threads at once on one client with no cross-talk', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(
      reply.message('alpha alpha alpha alpha', { deltas: 8, eventDelayMs: 5 }),
      reply.message('beta beta beta beta', { deltas: 8, eventDelayMs: 5 }),
    );
    const [a, b] = await Promise.all([codex.threadStart(), codex.threadStart()]);
    const [turnA, turnB] = await Promise.all([a.turn('first'), b.turn('second')]);
    const [eventsA, eventsB, textA, textB] = await Promise.all([collect(turnA), collect(turnB), collectText(turnA), collectText(turnB)]);
    for (const [turn, events, text] of [
      [turnA, eventsA, textA],
      [turnB, eventsB, textB],
    ] as const) {
      expect(events.every((n) => turnIdOf(n) === turn.id)).toBe(true);
      expect(events.every((n) => (n.params as { threadId?: string }).threadId === turn.threadId)).toBe(true);
      expect(text).toBe((await turn.run()).finalResponse);
    }
    expect(new Set([textA, textB])).toEqual(new Set(['alpha alpha alpha alpha', 'beta beta beta beta']));
  });

  it('serializes turns on a thread: a second turn() waits for the running one instead of joining it', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ after: [output.message('first answer')] }), reply.message('second answer'));
    const thread = await codex.threadStart();
    const first = await thread.turn('first');
    await model.waitForRequests(1);
    let secondStarted = false;
    const second = thread.turn('second').then((turn) => {
      secondStarted = true;
      return turn;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondStarted).toBe(false);
    model.releaseHanging();
    expect((await first.run()).finalResponse).toBe('first answer');
    const secondTurn = await second;
    expect(secondTurn.id).not.toBe(first.id);
    expect((await secondTurn.run()).finalResponse).toBe('second answer');
  });

  it('serializes turns across two Thread objects for one thread id, even when started together', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('persisted'), reply.message('from the first object'), reply.message('from the second object'));
    const original = await codex.threadStart();
    await original.run('make the thread resumable');
    const sameThread = await codex.threadResume(original.id);
    // Both calls are made before either turn/start is answered.
    const [first, second] = await Promise.all([original.turn('first'), sameThread.turn('second')]);
    expect(second.id).not.toBe(first.id);
    expect((await first.run()).finalResponse).toBe('from the first object');
    expect((await second.run()).finalResponse).toBe('from the second object');
  });
});

describe('turn control', () => {
  it('interrupt() stops a turn; the stream ends with status interrupted', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ before: [output.message('partial', { deltas: 1 })] }), reply.message('next'));
    const thread = await codex.threadStart();
    const turn = await thread.turn('long task');
    const events = collect(turn);
    await model.waitForRequests(1);
    await turn.interrupt();
    const seen = await events;
    const last = seen.at(-1)!;
    expect(last.method === 'turn/completed' && last.params.turn.status).toBe('interrupted');
    expect((await turn.run()).status).toBe('interrupted');
    await turn.interrupt(); // already done: a no-op, not an error
    expect((await thread.run('again')).finalResponse).toBe('next');
  });

  it('steer() adds input to the running turn', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang(), reply.message('steered answer'));
    const thread = await codex.threadStart();
    const turn = await thread.turn('start here');
    await model.waitForRequests(1);
    const steered = await turn.steer('and consider this too');
    expect(steered.turnId).toBe(turn.id);
    const result = await turn.run();
    expect(result.finalResponse).toBe('steered answer');
    const userTexts = result.items.flatMap((i) => (i.type === 'userMessage' ? i.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])) : []));
    expect(userTexts).toEqual(['start here', 'and consider this too']);
    expect(model.requests.at(-1)!.lastUserText).toBe('and consider this too');
  });

  it('abort after turn/start answered: interrupts, yields what came before, then AbortError once stopped', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.hang({ before: [output.message('so far', { deltas: 2 })] }), reply.message('fresh turn'));
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn('work', { signal: controller.signal });
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const n of turn) {
        seen.push(n.method);
        if (n.method === 'item/agentMessage/delta' && seen.filter((m) => m === n.method).length === 2) controller.abort(new Error('user left'));
      }
    })();
    const error = await iterating.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    expect(seen).toContain('turn/started');
    expect(seen).not.toContain('turn/completed');
    await expect(turn.run()).rejects.toBeInstanceOf(AbortError);
    // AbortError comes only once the turn has stopped, so the thread is idle again.
    expect(turn.done).toBe(true);
    expect(turn.state.status).toBe('interrupted');
    expect((await thread.run('next')).finalResponse).toBe('fresh turn');
  });

  it('abort before turn/start answered: the turn is interrupted and turn() rejects with AbortError', async () => {
    // The server's answer to turn/start is held back 3 s (the model's request can take over 1 s on a
    // loaded machine); the abort lands in between.
    await using env = await scripted({ codex: { launchArgs: delayedAnswers({ 'turn/start': 3_000 }) } });
    const { codex, model } = env;
    model.enqueue(reply.hang(), reply.message('after abort'));
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const starting = thread.turn('work', { signal: controller.signal });
    await model.waitForRequests(1);
    controller.abort();
    await expect(starting).rejects.toBeInstanceOf(AbortError);
    expect((await thread.run('again')).finalResponse).toBe('after abort');
    const read = await thread.read({ includeTurns: true });
    expect(read.thread.turns.map((t) => t.status)).toEqual(['interrupted', 'completed']);
  });

  it('buffers a turn’s events that arrive before turn/start answers', async () => {
    await using env = await scripted({ codex: { launchArgs: delayedAnswers({ 'turn/start': 300 }) } });
    const { codex, model } = env;
    model.enqueue(reply.message('fast reply', { deltas: 3 }));
    const thread = await codex.threadStart();
    const everything = codex.notifications();
    const turn = await thread.turn('quick');
    // By now the whole turn has happened: its notifications all came before the answer.
    const early: string[] = [];
    for await (const n of everything) {
      if (turnIdOf(n) === turn.id) early.push(n.method);
      if (n.method === 'turn/completed') break;
    }
    const seen = (await collect(turn)).map((n) => n.method);
    expect(seen).toEqual(early);
    expect(seen[0]).toBe('turn/started');
    expect(seen.at(-1)).toBe('turn/completed');
    expect((await turn.run()).finalResponse).toBe('fast reply');
  });

  it('a signal already aborted starts nothing', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart();
    const events = codex.notifications();
    await expect(thread.turn('never', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    await expect(thread.run('never', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    // A turn that did start would show up as turn/started before this one completes.
    model.enqueue(reply.message('the only turn'));
    const only = await thread.turn('now for real');
    for await (const n of events) {
      if (n.method === 'turn/started') expect(n.params.turn.id).toBe(only.id);
      if (n.method === 'turn/completed') break;
    }
    expect(model.requests).toHaveLength(1);
  });
});
