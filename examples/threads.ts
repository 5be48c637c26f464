/**
 * Thread lifecycle: start a thread, name it, fork it, list, archive and unarchive, then restart
 * the server (close the client, start another on the same CODEX_HOME) and resume the thread: its
 * history carries on. Threads live in CODEX_HOME, so they survive the server process.
 *
 *   node --import tsx examples/threads.ts            # offline, scripted model, throwaway CODEX_HOME
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/threads.ts   # a logged-in Codex; the threads it
 *     creates stay in your own history
 */
import { Codex, type ThreadInfo } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('Noted: the code word is "heron".'),
  reply.message('In this fork, the code word is still "heron".'),
  reply.message('The code word was "heron".'),
);
await using home = model ? await model.createCodexHome() : undefined;
const show = (t: ThreadInfo) => `${t.id}  ${JSON.stringify(t.name ?? null)}  ${JSON.stringify(t.preview)}`;

let threadId: string;
{
  // `await using` in a block: this server is closed when the block ends.
  await using codex = await Codex.start({ codexHome: home?.path });
  const thread = await codex.threadStart();
  threadId = thread.id;
  console.log(`started ${thread.id} (model ${thread.settings.model}, cwd ${thread.settings.cwd})`);
  await thread.run('Remember the code word "heron". Reply in one short sentence.');
  await thread.setName('Code word');

  // A fork is a new thread with a copy of the history (and of the name, so rename it).
  const fork = await codex.threadFork(thread.id);
  await fork.setName('Code word (fork)');
  const forked = await fork.run('What is the code word? One short sentence.');
  console.log(`forked into ${fork.id}: ${forked.finalResponse}`);

  // One page of stored threads, newest first (pass nextCursor back as `cursor` for more).
  const page = await codex.threadList({ limit: 5 });
  console.log('\nthreadList:');
  for (const t of page.data) console.log(`  ${show(t)}`);

  await codex.threadArchive(fork.id);
  const listed = async (archived: boolean) => (await codex.threadList({ archived })).data.some((t) => t.id === fork.id);
  console.log(`\narchived the fork: in threadList() ${await listed(false)}, in threadList({ archived: true }) ${await listed(true)}`);
  const restored = await codex.threadUnarchive(fork.id);
  console.log(`unarchived ${restored.id}: in threadList() ${await listed(false)}`);
} // the first server exits here

// A new server on the same CODEX_HOME: resume the thread by id and keep talking.
await using codex = await Codex.start({ codexHome: home?.path });
console.log(`\nrestarted: codex app-server pid ${codex.pid}`);
const resumed = await codex.threadResume(threadId);
console.log(`resumed ${resumed.id}, named ${JSON.stringify(resumed.info.name)}`);
const answer = await resumed.run('What was the code word? One short sentence.');
console.log(`after restart: ${answer.finalResponse}`);
const { thread: info } = await resumed.read({ includeTurns: true });
console.log(`the thread now has ${info.turns.length} turns`);
if (model) console.log(`history sent to the model after the restart included the first prompt: ${model.requests[2]?.userTexts.some((t) => t.includes('heron'))}`);
