/**
 * A fleet: three `codex app-server` processes listening on loopback ports, each with its own
 * capability token, and one client process spreading threads across them with
 * `Codex.connect()`. Every reply is checked: it must come from the server its thread lives on,
 * and each server must have seen exactly the prompts sent to it.
 *
 * Each server is what you would run yourself (the command is printed):
 *   codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token --ws-token-file FILE
 * See docs/running-app-servers.md for running them as services.
 *
 *   node --import tsx examples/fleet.ts [threads]   # offline: one scripted model per server
 */
import { Codex, type Thread } from 'codex-app-server-sdk';
import { ScriptedModel, reply, startAppServer, type AppServer } from 'codex-app-server-sdk/testing';

const SERVERS = 3;
const threadCount = Number(process.argv[2] ?? 6);

// Offline: each server gets its own scripted model and CODEX_HOME, so a reply tells which
// server produced it.
// Closed in reverse order at exit: clients, then servers, then models and homes.
const cleanup: AsyncDisposable[] = [];
const use = <T extends AsyncDisposable>(resource: T): T => (cleanup.unshift(resource), resource);
await using _cleanup = { [Symbol.asyncDispose]: async () => { for (const r of cleanup) await r[Symbol.asyncDispose](); } };
const fleet: { name: string; model: ScriptedModel; server: AppServer; codex: Codex; prompts: string[] }[] = [];
for (let i = 1; i <= SERVERS; i++) {
  const name = `server-${i}`;
  const model = use(await ScriptedModel.start());
  const home = use(await model.createCodexHome());
  const server = use(await startAppServer({ codexHome: home.path, listen: 'ws' }));
  console.log(`${name}: ${server.argv.slice(1).join(' ').replace(server.tokenFile ?? '', 'TOKEN_FILE')}`);
  // The client reads the same token file the server was given.
  const codex = use(await Codex.connect({ url: server.url, tokenFile: server.tokenFile }));
  fleet.push({ name, model, server, codex, prompts: [] });
}

// Round-robin: thread i goes to server i mod 3. All turns run at once.
const started = Date.now();
const results = await Promise.all(
  Array.from({ length: threadCount }, async (_, i) => {
    const node = fleet[i % SERVERS]!;
    const prompt = `Task ${i + 1}: reply with your server's name.`;
    node.prompts.push(prompt);
    node.model.enqueue(reply.message(`${node.name} handled this.`, { deltas: 3 }));
    const thread: Thread = await node.codex.threadStart();
    const result = await thread.run(prompt);
    return { i, node, thread, result };
  }),
);
const elapsed = Date.now() - started;

let failures = 0;
for (const { i, node, thread, result } of results) {
  const ok = result.status === 'completed' && result.finalResponse === `${node.name} handled this.`;
  if (!ok) failures++;
  console.log(`thread ${String(i + 1).padStart(2)} on ${node.name} (…${thread.id.slice(-8)}): ${ok ? 'ok' : 'WRONG'}  "${result.finalResponse}"`);
}
for (const node of fleet) {
  const seen = node.model.requests.map((r) => r.lastUserText ?? '').sort();
  const same = JSON.stringify(seen) === JSON.stringify([...node.prompts].sort());
  if (!same) failures++;
  console.log(`${node.name}: ${node.model.requests.length} model request(s), prompts match: ${same}`);
}
console.log(`\n${threadCount} threads on ${SERVERS} servers in ${elapsed} ms: ${failures === 0 ? 'every reply checked, all correct' : `${failures} problem(s)`}`);
process.exitCode = failures === 0 ? 0 : 1;
