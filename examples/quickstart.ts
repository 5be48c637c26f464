/**
 * Quickstart: start Codex, print what the server says about itself, run one turn and stream
 * the reply to the terminal.
 *
 * Offline by default: a scripted model (from `codex-app-server-sdk/testing`) stands in for the
 * model provider, so this runs with no network and no account. With a logged-in Codex, run
 * `CODEX_DEMO_LIVE=1 npm run demo` to talk to the real service instead.
 *
 *   npm run demo
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const prompt = process.argv[2] ?? 'Say hello in one short sentence.';

// Offline: a scripted model answers on 127.0.0.1, and a throwaway CODEX_HOME points codex at it.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(reply.message('Hello! I am a scripted stand-in for the model, streaming this reply token by token.', { deltas: 12 }));
await using home = model ? await model.createCodexHome() : undefined;

await using codex = await Codex.start({ codexHome: home?.path });
console.log(`codex app-server ${codex.serverVersion} (pid ${codex.pid})`);
console.log(`  user agent: ${codex.metadata.userAgent}`);
console.log(`  CODEX_HOME: ${codex.metadata.codexHome}`);
console.log(`  platform:   ${codex.metadata.platformFamily}/${codex.metadata.platformOs}`);
console.log(`\n> ${prompt}\n`);

const events = codex.notifications();
const { thread } = await codex.request('thread/start', {});
const { turn } = await codex.request('turn/start', { threadId: thread.id, input: [{ type: 'text', text: prompt }] });

for await (const n of events) {
  if (n.method === 'item/agentMessage/delta' && n.params.turnId === turn.id) process.stdout.write(n.params.delta);
  if (n.method === 'turn/completed' && n.params.turn.id === turn.id) {
    console.log(`\n\n[turn ${n.params.turn.status}]`);
    break;
  }
}
