/**
 * Quickstart: start Codex, print what the server says about itself, stream one turn to the
 * terminal with `for await`, then run a follow-up turn with `thread.run()`.
 *
 * Offline by default: a scripted model (from `codex-app-server-sdk/testing`) stands in for the
 * model provider, so this runs with no network and no account. With a logged-in Codex, run
 * `CODEX_DEMO_LIVE=1 npm run demo` to talk to the real service instead.
 *
 *   npm run demo [-- "your prompt"]
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const prompt = process.argv[2] ?? 'Say hello in one short sentence.';

// Offline: a scripted model answers on 127.0.0.1, and a throwaway CODEX_HOME points codex at it.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('Hello! I am a scripted stand-in for the model, streaming this reply token by token.', { deltas: 12 }),
  reply.message('Bonjour ! Je suis un modèle scripté.', { deltas: 6 }),
);
await using home = model ? await model.createCodexHome() : undefined;

await using codex = await Codex.start({ codexHome: home?.path });
console.log(`codex app-server ${codex.serverVersion} (pid ${codex.pid})`);
console.log(`  user agent: ${codex.metadata.userAgent}`);
console.log(`  CODEX_HOME: ${codex.metadata.codexHome}`);
console.log(`  platform:   ${codex.metadata.platformFamily}/${codex.metadata.platformOs}`);

const thread = await codex.threadStart();
console.log(`  thread:     ${thread.id} (model ${thread.settings.model})`);

// Stream a turn: every notification of this turn, in order, ending after turn/completed.
console.log(`\n> ${prompt}\n`);
const turn = await thread.turn(prompt);
for await (const n of turn) {
  if (n.method === 'item/agentMessage/delta') process.stdout.write(n.params.delta);
  if (n.method === 'item/completed' && n.params.item.type === 'commandExecution') console.log(`\n$ ${n.params.item.command}`);
}
const result = await turn.run();
console.log(`\n\n[turn ${result.status}, ${result.items.length} items]`);

// Or just run a turn to its end and take the final answer.
const followUp = await thread.run('Now say it in French.');
console.log(`\n> Now say it in French.\n\n${followUp.finalResponse}\n\n[turn ${followUp.status}]`);
