/**
 * Deadlines and aborts: nothing has to wait forever.
 *
 * 1. `timeoutMs`: a deadline on the WHOLE turn. Past it the SDK interrupts the turn and `run()`
 *    rejects with `TurnTimeoutError` (reason `deadline`), which carries what the turn had produced.
 *    Set a default for every turn with `Codex.start({ turnTimeoutMs })`.
 * 2. `signal`: any `AbortSignal`: `AbortSignal.timeout(ms)`, or your own `AbortController` (a
 *    Cancel button, Ctrl-C). The SDK interrupts the turn; `run()` rejects with `AbortError`
 *    whose `cause` is the signal's reason.
 * 3. `stallTimeoutMs`: when the model provider cannot be reached, codex keeps retrying; this ends
 *    the turn with `TurnTimeoutError` (reason `stalled`) once it has made no progress but retries
 *    for that long. (Default 5 minutes; `Infinity` turns it off.)
 *
 * After each, the thread is idle and takes the next turn.
 *
 *   npm run example -- deadlines              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- deadlines   # 1 and 2 with a logged-in Codex (a fast
 *     model may finish first: that is printed too); 3 always uses a provider that is down
 */
import { AbortError, Codex, TurnTimeoutError } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// Offline, `hang` replies stream their `before` items and then stall, like a very slow model.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.hang({ before: [output.message('Step 1 of 100: reading the code', { deltas: 3 })] }), // 1.
  reply.hang(), // 2a.
  reply.hang({ before: [output.message('Thinking about it', { deltas: 2 })] }), // 2b.
  reply.message('Done in time.'), // after them
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();
const ms = (from: number) => `${Math.round((Date.now() - from) / 100) * 100} ms`;

// 1. A whole-turn deadline.
let started = Date.now();
try {
  const result = await thread.run('Refactor the whole code base.', { timeoutMs: live ? 5_000 : 700 });
  console.log(`1. finished before the deadline: ${result.status}`);
} catch (error) {
  if (!(error instanceof TurnTimeoutError)) throw error;
  console.log(`1. TurnTimeoutError (${error.reason}) after ~${ms(started)}: ${error.message}`);
  // What the turn had done so far: its status and items, and the text streamed until then.
  const partial = error.turn;
  console.log(`   partial turn: ${partial?.status}, ${partial?.items.length} items, text so far ${JSON.stringify(partial?.finalResponse)}`);
}

// 2a. AbortSignal.timeout: the same, from a standard signal (combine several with AbortSignal.any).
started = Date.now();
try {
  await thread.run('Count to one million.', { signal: AbortSignal.timeout(live ? 3_000 : 500) });
  console.log('2a. finished before the signal fired');
} catch (error) {
  if (!(error instanceof AbortError)) throw error;
  console.log(`2a. AbortError after ~${ms(started)}: ${error.message} (cause: ${(error.cause as Error).name})`);
}

// 2b. Your own controller: here "the user clicks Cancel" as soon as the first words arrive.
const cancel = new AbortController();
const turn = await thread.turn('Write a long poem.', { signal: cancel.signal });
const outcome = turn.run().then(
  (result) => `finished: ${result.status}`,
  (error: unknown) => (error instanceof AbortError ? `AbortError, cause ${JSON.stringify(String(error.cause))}` : Promise.reject(error)),
);
for await (const delta of turn.text()) {
  console.log(`2b. first words ${JSON.stringify(delta)}: the user cancels`);
  cancel.abort('user clicked Cancel');
  break;
}
console.log(`    ${await outcome}`);

// The thread is fine after all that.
console.log(`next turn: ${(await thread.run('Just say "done".')).finalResponse}`);

// 3. An unreachable provider: a scripted model that is already shut down stands in for it.
const down = await ScriptedModel.start();
await using downHome = await down.createCodexHome();
await down.close();
await using offline = await Codex.start({ codexHome: downHome.path });
const stuck = await offline.threadStart();
started = Date.now();
try {
  await stuck.run('Hello?', { stallTimeoutMs: 1_000 });
} catch (error) {
  if (!(error instanceof TurnTimeoutError)) throw error;
  console.log(`3. TurnTimeoutError (${error.reason}) after ~${ms(started)}: ${error.message}`);
}
