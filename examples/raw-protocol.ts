/**
 * The layer underneath threads and turns: `codex.request(method, params)` sends any client
 * request of the protocol, with params and result typed by method; `codex.notifications()`
 * yields every server notification, a union you narrow by switching on `method`.
 * `codex.rawRequest()` sends methods the bundled types do not know (a newer server's).
 *
 *   node --import tsx examples/raw-protocol.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/raw-protocol.ts   # a logged-in Codex
 */
import { Codex, UnsupportedFeatureError } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.response([output.reasoning('Short question, short answer.'), output.message('Paris.', { deltas: 2 })], {
    usage: { inputTokens: 1200, outputTokens: 9 },
  }),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });

// Typed requests: `thread` is the protocol's Thread, `model` a string, and so on.
const { thread, model: modelName } = await codex.request('thread/start', { approvalPolicy: 'never' });
console.log(`thread/start -> ${thread.id} (model ${modelName})`);

// Subscribe before starting the turn: notifications() yields from the moment it is called.
const events = codex.notifications({ signal: AbortSignal.timeout(60_000) });
const { turn } = await codex.request('turn/start', {
  threadId: thread.id,
  input: [{ type: 'text', text: 'What is the capital of France? One word.' }],
});
console.log(`turn/start -> ${turn.id} (${turn.status})\n`);

for await (const n of events) {
  // Each case narrows `n.params` to that notification's type.
  switch (n.method) {
    case 'turn/started':
      console.log(`turn/started               turn ${n.params.turn.id}`);
      break;
    case 'item/started':
    case 'item/completed':
      console.log(`${n.method.padEnd(26)} ${n.params.item.type}`);
      break;
    case 'item/agentMessage/delta':
      console.log(`item/agentMessage/delta    ${JSON.stringify(n.params.delta)}`);
      break;
    case 'thread/tokenUsage/updated':
      console.log(`thread/tokenUsage/updated  ${n.params.tokenUsage.total.totalTokens} tokens so far`);
      break;
    case 'turn/completed':
      console.log(`turn/completed             ${n.params.turn.status}`);
      break;
    case 'warning':
      console.log(`warning                    ${n.params.message}`);
      break;
    default:
      console.log(`${n.method}`); // thread status changes and the like
  }
  if (n.method === 'turn/completed' && n.params.turn.id === turn.id) break; // `break` unsubscribes
}

// Per-call options: a deadline (RequestTimeoutError past it) and/or an AbortSignal.
const read = await codex.request('thread/read', { threadId: thread.id, includeTurns: true }, { timeoutMs: 5_000 });
console.log(`\nthread/read -> ${read.thread.turns.length} turn(s), preview ${JSON.stringify(read.thread.preview)}`);
const listed = await codex.request('thread/list', { limit: 5 });
console.log(`thread/list -> ${listed.data.length} thread(s), nextCursor ${JSON.stringify(listed.nextCursor ?? null)}`);

// Untyped: for methods newer than the bundled types. This one does not exist.
const unknown = await codex.rawRequest('thread/teleport', { threadId: thread.id }).catch((e: unknown) => e);
if (!(unknown instanceof UnsupportedFeatureError)) throw unknown;
console.log(`rawRequest('thread/teleport') -> ${unknown.name}: ${unknown.message}`);
