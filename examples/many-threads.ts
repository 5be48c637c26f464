/**
 * Several threads at once. One client (one app-server process) runs many threads side by side:
 * start them, then run a turn on each and wait for all with `Promise.all`. Each turn's events go
 * to its own thread, so streams never mix. (For more than one server, see fleet.ts.)
 *
 * Offline, the scripted model's replies are matched to threads with `enqueueFor({ threadId })`:
 * concurrent requests arrive in any order, and each thread still gets its own answer.
 *
 *   npm run example -- many-threads              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- many-threads   # a logged-in Codex
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const cities = ['Lisbon', 'Oslo', 'Nairobi', 'Lima'];

await using model = live ? undefined : await ScriptedModel.start();
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });

// Start the threads together: thread/start requests run concurrently too.
const threads = await Promise.all(cities.map(() => codex.threadStart()));

// Offline: one answer per thread, slower for the first ones, so they finish out of order.
threads.forEach((thread, i) =>
  model?.enqueueFor({ threadId: thread.id }, reply.message(`${cities[i]} is a capital city.`, { deltas: 4, eventDelayMs: 40 * (cities.length - i) })),
);

const started = Date.now();
const finished: string[] = [];
const results = await Promise.all(
  threads.map(async (thread, i) => {
    const result = await thread.run(`Is ${cities[i]} a capital city? One short sentence.`);
    finished.push(cities[i]!);
    return result;
  }),
);
console.log(`${threads.length} turns on ${threads.length} threads in ${Date.now() - started} ms, all at once`);
console.log(`finished in this order: ${finished.join(', ')}`);

// Promise.all keeps the input order: results[i] belongs to threads[i].
results.forEach((result, i) => console.log(`  ${cities[i]!.padEnd(8)} thread …${threads[i]!.id.slice(-6)}: ${result.status}, ${JSON.stringify(result.finalResponse)}`));

// Each answer went to the thread that asked (offline, the model saw each prompt on its own thread).
if (model) {
  const right = model.requests.every((r) => {
    const i = threads.findIndex((t) => t.id === r.threadId);
    return i >= 0 && r.lastUserText?.includes(cities[i]!);
  });
  console.log(`every request carried its own thread's prompt: ${right}`);
}

// One failure need not sink the others: Promise.allSettled reports each outcome.
model?.enqueueFor({ threadId: threads[0]!.id }, reply.httpError(400, { message: 'This one fails on purpose' }));
model?.enqueueFor({ threadId: threads[1]!.id }, reply.message('This one is fine.'));
const settled = await Promise.allSettled([threads[0]!.run('Fail, please.'), threads[1]!.run('Succeed, please.')]);
for (const [i, outcome] of settled.entries()) {
  console.log(`  allSettled[${i}]: ${outcome.status === 'fulfilled' ? `fulfilled, ${JSON.stringify(outcome.value.finalResponse)}` : `rejected, ${(outcome.reason as Error).name}`}`);
}
