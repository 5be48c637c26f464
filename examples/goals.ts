/**
 * Goals: one objective, many turns. Setting a goal makes the server run turns by itself until
 * the goal is complete, blocked, paused, over budget or cleared.
 *
 * 1. `thread.goal(objective)` returns a handle: iterate it for the notifications of every turn of
 *    the goal, then `run()` for the result (the final goal, each turn, the summed usage).
 * 2. `interrupt()` pauses the goal and stops its running turn; `run()` resolves with it paused.
 * 3. `thread.run(objective, { goal: { tokenBudget } })` in one call; over budget it stops.
 *
 *   node --import tsx examples/goals.ts                    # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/goals.ts   # a logged-in Codex (uses real tokens)
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const usage = { inputTokens: 400, outputTokens: 100 };

// Offline, the model completes a goal the way a real one does: it calls codex's `update_goal` tool.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('Listed the files: a.ts, b.ts.', { usage }), // 1. first turn
  reply.response([output.functionCall('update_goal', { status: 'complete' })], { usage }), //    second turn...
  reply.message('Done: both files have a header comment.', { usage }), //    ...and its answer
  reply.hang({ before: [output.message('Counting to a million: 1, 2, 3', { deltas: 3 })] }), // 2. interrupted
  reply.message('Spent the budget on a first draft.', { usage }), // 3. over budget after one turn
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

// 1. A goal completed over two turns the server started by itself.
const goal = await thread.goal('Add a one-line header comment to every file in src/', { tokenBudget: 100_000 });
for await (const n of goal) {
  if (n.method === 'turn/started') console.log(`turn started: ${n.params.turn.id}`);
  if (n.method === 'thread/goal/updated') console.log(`goal is ${n.params.goal.status} (${n.params.goal.tokensUsed} tokens used)`);
  if (n.method === 'turn/completed') console.log(`turn ${n.params.turn.status}`);
}
const result = await goal.run();
console.log(`1. goal ${result.goal?.status} after ${result.turns.length} turns, ${result.usage?.totalTokens} tokens: ${result.finalResponse}`);

// 2. interrupt(): pause the goal and stop its running turn, so nothing continues.
const counting = await thread.goal('Count to a million');
for await (const delta of (async function* () {
  for await (const n of counting) if (n.method === 'item/agentMessage/delta') yield n.params.delta;
})()) {
  console.log(`streamed ${JSON.stringify(delta)} -> interrupting`);
  await counting.interrupt();
  break;
}
const stopped = await counting.run();
console.log(`2. goal ${stopped.goal?.status}, its turn ${stopped.turns.at(-1)?.status}`);

// 3. One call, with a token budget: the server stops the goal once it is used up. (A new thread:
// setting a goal where one exists replaces its objective but keeps the tokens it has used.)
const fresh = await codex.threadStart();
const budgeted = await fresh.run('Write a novel', { goal: { tokenBudget: 300 } });
console.log(`3. goal ${budgeted.goal?.status} (${budgeted.goal?.tokensUsed} of ${budgeted.goal?.tokenBudget} tokens): ${budgeted.finalResponse}`);
console.log(`the first thread's goal now: ${thread.currentGoal?.status}; the second's: ${fresh.currentGoal?.status}`);
