/**
 * Streaming UI: three consumers read one turn at once.
 *
 * - `turn.text()` yields the agent's reply as it streams: the live text pane.
 * - a `for await` loop folds every notification with `reduceTurn`: an items counter / status bar
 *   that shows the same state `run()` will return, incrementally.
 * - `turn.run()` resolves with the folded result once the turn has completed.
 *
 * Attach every consumer before awaiting any of them: `run()` consumes the stream, and a consumer
 * attached later would miss what was already read.
 *
 *   node --import tsx examples/streaming-ui.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/streaming-ui.ts   # a logged-in Codex
 */
import { Codex, initialTurnState, reduceTurn, type TurnState } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// Offline, the model reasons, comments, runs a command, then streams its answer slowly.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.response([
    output.reasoning('The user wants a test summary; run the tests first.'),
    output.message('Running the tests.', { phase: 'commentary', deltas: 3 }),
    output.shell('echo "3 passed, 0 failed"'),
  ]),
  reply.message('All 3 tests pass, so the build is green.', { phase: 'final_answer', deltas: 10, eventDelayMs: 20 }),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

const turn = await thread.turn('Run `echo "3 passed, 0 failed"` and summarize the result in one sentence.');

// 1. The result, folded from the same stream (attached first, awaited last).
const result = turn.run();

// 2. A status bar: fold each notification and redraw when the state changes. This loop and the
//    text loop below read at their own pace, so a status line may land mid-sentence.
const statusBar = (async () => {
  let state: TurnState = initialTurnState(turn.threadId, turn.id);
  for await (const n of turn) {
    const next = reduceTurn(state, n);
    // reduceTurn returns the same object when nothing changed (e.g. for a delta).
    if (next !== state && (next.items.length !== state.items.length || next.status !== state.status)) {
      console.log(`\n  [status: ${next.status}, ${next.items.length} items, last: ${next.items.at(-1)?.type ?? '-'}]`);
    }
    state = next;
  }
  return state;
})();

// 3. The live text pane: just the agent's words, as they stream.
process.stdout.write('\nassistant> ');
for await (const delta of turn.text()) process.stdout.write(delta);

const finalState = await statusBar;
const done = await result;
console.log(`\n\nturn ${done.status} in ${done.durationMs ?? '?'} ms`);
console.log(`items: ${done.items.map((item) => item.type).join(', ')}`);
for (const item of done.items) {
  if (item.type === 'commandExecution') console.log(`ran: ${item.command} -> exit ${item.exitCode}, ${JSON.stringify(item.aggregatedOutput?.trim())}`);
}
console.log(`final answer: ${done.finalResponse}`);
// The UI's fold and run() agree: same items, same status.
console.log(`reducer agrees with run(): ${finalState.items.length === done.items.length && finalState.status === done.status}`);
