/**
 * Inspecting a full `run()` result: `thread.run(prompt)` waits for the turn to end and returns
 * everything about it in one object:
 *
 * - `status`: `completed`, `interrupted` or `failed` (a failed turn rejects with TurnFailedError)
 * - `items`: every item of the turn, in order (user message, reasoning, commands, messages...)
 * - `finalResponse`: the text of the agent's final answer
 * - `usage`: token counts, of the last model response (`last`) and the thread so far (`total`)
 * - `durationMs`, `id`, `threadId`
 *
 *   npm run example -- run-result              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- run-result   # a logged-in Codex
 */
import { Codex, type ThreadItem } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// Offline, the model thinks, runs a command, and answers from its output.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.response([output.reasoning('Count the files with ls, then report.'), output.shell('printf "a.txt\\nb.txt\\n" | wc -l')]),
  reply.message('There are 2 files.', { phase: 'final_answer' }),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

const result = await thread.run('Run `printf "a.txt\\nb.txt\\n" | wc -l` and tell me how many files that is, in one sentence.');

console.log(`turn ${result.id} on thread ${result.threadId}: ${result.status} in ${result.durationMs ?? '?'} ms`);

// Items are a discriminated union on `type`: narrow on it to read each kind's fields.
console.log(`\n${result.items.length} items:`);
for (const item of result.items) console.log(`  ${describe(item)}`);

function describe(item: ThreadItem): string {
  switch (item.type) {
    case 'userMessage':
      return `userMessage     ${item.content.map((c) => (c.type === 'text' ? JSON.stringify(c.text) : c.type)).join(' ')}`;
    case 'reasoning':
      return `reasoning       ${JSON.stringify((item.summary ?? []).join(' '))}`;
    case 'commandExecution':
      return `commandExecution ${item.command} -> ${item.status}, exit ${item.exitCode}, output ${JSON.stringify(item.aggregatedOutput?.trim())}`;
    case 'agentMessage':
      return `agentMessage    ${JSON.stringify(item.text)}`;
    default:
      return item.type;
  }
}

// Pick items of one kind with a type guard.
const commands = result.items.filter((item): item is Extract<ThreadItem, { type: 'commandExecution' }> => item.type === 'commandExecution');
console.log(`\ncommands run: ${commands.length}`);

console.log(`final response: ${result.finalResponse}`);

// Usage: `last` is the turn's last model response, `total` the whole thread so far. A turn may
// take several responses (here two: the command, then the answer). Offline, the scripted model
// reports the same figures for each response.
if (result.usage) {
  const { last, total } = result.usage;
  console.log(`usage, last response: ${last.inputTokens} in, ${last.outputTokens} out, ${last.totalTokens} total`);
  console.log(`usage, thread total: ${total.totalTokens} tokens`);
} else {
  console.log('usage: not reported');
}
