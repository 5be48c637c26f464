/**
 * Controlling a running turn:
 *
 * 1. `turn.interrupt()` stops a turn; it then completes with status `interrupted`.
 * 2. An `AbortSignal` (here `AbortSignal.timeout`) puts a deadline on a turn: when it fires the
 *    SDK interrupts the turn and `run()` rejects with `AbortError`, once the turn has stopped.
 * 3. Either way the thread is idle afterwards and takes the next turn.
 * 4. `turn.steer(input)` adds input to a turn while it runs.
 *
 *   node --import tsx examples/interrupt-and-abort.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/interrupt-and-abort.ts   # a logged-in Codex
 *     (a fast real model may finish before the deadline or the steer; both cases are printed)
 */
import { AbortError, Codex } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// Offline, `hang` replies stream their `before` items and then stall, like a slow model.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.hang({ before: [output.message('Chapter 1. It was a dark and stormy night', { deltas: 4 })] }), // 1. interrupted
  reply.hang(), // 2. aborted by the deadline
  reply.message('Still here: the thread took a new turn.'), // 3.
  reply.hang(), // 4. the turn being steered...
  reply.message('Fine, a haiku about autumn instead.'), //    ...and the model's answer to the steer
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

// 1. Interrupt once the first words have arrived.
const story = await thread.turn('Write a very long story, at least twenty chapters.');
const storyResult = story.run();
for await (const delta of story.text()) {
  console.log(`streamed: ${JSON.stringify(delta)} -> interrupting`);
  await story.interrupt();
  break; // leaves this consumer; the turn goes on until the server has stopped it
}
console.log(`1. interrupt(): turn ${(await storyResult).status}`);

// 2. A deadline: the signal fires, the SDK sends turn/interrupt, run() rejects once it has stopped.
const started = Date.now();
try {
  const result = await thread.run('Count to one million, one number per line.', { signal: AbortSignal.timeout(live ? 3_000 : 500) });
  console.log(`2. finished before the deadline: ${result.status}`);
} catch (error) {
  if (!(error instanceof AbortError)) throw error;
  const reason = error.cause instanceof Error ? error.cause.name : String(error.cause);
  console.log(`2. AbortError after ${Date.now() - started} ms (${error.message}; cause: ${reason})`);
}

// 3. The thread is idle again and accepts a new turn.
const next = await thread.run('Are you still there? Answer in one sentence.');
console.log(`3. next turn ${next.status}: ${next.finalResponse}`);

// 4. Steer: add input to a running turn (offline, once its model request is in flight).
const essay = await thread.turn('Write an essay about the sea.');
await model?.waitForRequests(4);
const steered = await essay.steer('Actually, make it a haiku about autumn.');
const essayResult = await essay.run();
console.log(`4. steer() accepted by the running turn: ${steered.turnId === essay.id}; turn ${essayResult.status}: ${essayResult.finalResponse}`);
if (model) console.log(`   the model's latest user input: ${JSON.stringify(model.requests.at(-1)?.lastUserText)}`);

const { thread: info } = await thread.read({ includeTurns: true });
console.log(`\nturns on the thread: ${info.turns.map((t) => t.status).join(', ')}`);
