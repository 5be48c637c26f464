/**
 * Resuming a thread after the server restarts. Threads are stored in CODEX_HOME, not in the
 * app-server process: keep the thread's id (in your database, a file, a URL), start a new
 * client later on the same CODEX_HOME, and `threadResume(id)` picks the conversation up where it
 * left off. The model sees the whole history again.
 *
 *   npm run example -- resume              # offline, scripted model, throwaway CODEX_HOME
 *   CODEX_DEMO_LIVE=1 npm run example -- resume   # a logged-in Codex; the thread stays in your history
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(reply.message('Got it: your favourite colour is teal.'), reply.message('Your favourite colour is teal.'));
await using home = model ? await model.createCodexHome() : undefined;

// Session 1: start a thread, take a turn, keep only its id. Then the server goes away.
let savedId: string;
{
  await using codex = await Codex.start({ codexHome: home?.path });
  const thread = await codex.threadStart();
  savedId = thread.id;
  const first = await thread.run('My favourite colour is teal. Acknowledge in one sentence.');
  console.log(`session 1 (pid ${codex.pid}): thread ${savedId}\n  > ${first.finalResponse}`);
} // `await using`: the client closes and the app-server exits here

// Session 2: a new server process, same CODEX_HOME.
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadResume(savedId);
console.log(`session 2 (pid ${codex.pid}): resumed ${thread.id}, preview ${JSON.stringify(thread.info.preview)}`);

// Past turns come back with `read({ includeTurns: true })`, e.g. to redraw a conversation.
const { thread: history } = await thread.read({ includeTurns: true });
for (const turn of history.turns) {
  for (const item of turn.items) {
    if (item.type === 'userMessage') console.log(`  history: user  ${JSON.stringify(item.content.map((c) => (c.type === 'text' ? c.text : c.type)).join(' '))}`);
    if (item.type === 'agentMessage') console.log(`  history: agent ${JSON.stringify(item.text)}`);
  }
}

const next = await thread.run('What is my favourite colour? One sentence.');
console.log(`  > ${next.finalResponse}`);
// Offline we can check that the model got the earlier exchange with the new question.
if (model) console.log(`the model's request carried the first turn: ${model.requests[1]?.userTexts.some((t) => t.includes('teal'))}`);
