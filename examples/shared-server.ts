/**
 * One app-server, two clients, and a connection that drops in the middle of a turn.
 *
 * - Client 1 starts a thread with `reconnect` on. Its link to the server runs through a small
 *   TCP relay that stands in for the network, so the example can cut it mid-turn.
 * - Client 2 resumes the same thread and follows client 1's turn through `thread.turns()`.
 * - The relay drops client 1's connection while the turn runs. The turn goes on in the server;
 *   client 1 reconnects, resumes the thread, and its `for await` carries on to `turn/completed`.
 *
 *   npm run example -- shared-server      # offline: a scripted model behind the listening server
 *
 * See docs/running-app-servers.md for what a reconnect recovers and what it cannot.
 */
import net from 'node:net';
import { Codex, type ReconnectEvent } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply, startAppServer } from 'codex-app-server-sdk/testing';

await using model = await ScriptedModel.start();
await using home = await model.createCodexHome();
await using server = await startAppServer({ codexHome: home.path, listen: 'ws' });
await using relay = await startRelay(server.url); // closed after the clients

await using client1 = await Codex.connect({ url: relay.url, tokenFile: server.tokenFile, reconnect: { minDelayMs: 100 } });
await using client2 = await Codex.connect({ url: server.url, tokenFile: server.tokenFile });
client1.on('disconnected', (error) => console.log(`client 1: disconnected (${error.name})`));
const reconnected = new Promise<ReconnectEvent>((resolve) => client1.on('reconnect', resolve));

// A thread can be resumed by another client once it has had a turn.
model.enqueue(reply.message('Ready.'));
const thread = await client1.threadStart();
console.log(`client 1, first turn: ${(await thread.run('Get ready.')).finalResponse}`);

// Client 2 joins the thread and waits for the next turn, whoever starts it.
const joined = await client2.threadResume(thread.id);
const followed = (async () => {
  for await (const turn of joined.turns()) return turn.run();
  throw new Error('the thread closed before another turn started');
})();

// The model answers in two parts and holds the stream open in between.
model.enqueue(reply.hang({ before: [output.message('First half of the answer.')], after: [output.message('Second half, after the drop.')] }));
const turn = await thread.turn('A long task.');
for await (const n of turn) {
  if (n.method !== 'item/completed' || n.params.item.type !== 'agentMessage') continue;
  console.log(`client 1 reads: ${n.params.item.text}`);
  if (n.params.item.text.startsWith('First')) {
    relay.cut(); // the network fails; the server and the turn go on
    const event = await reconnected;
    console.log(`client 1: reconnected after ${event.attempts} attempt(s), resumed ${event.threadIds.length} thread(s)`);
    model.releaseHanging(); // now let the model finish
  }
}
const result = await turn.run();
console.log(`client 1: turn ${result.status} with ${result.items.filter((i) => i.type === 'agentMessage').length} agent messages`);
const seen = await followed;
console.log(`client 2 followed the same turn: ${seen.id === result.id}, final response: ${seen.finalResponse}`);

/** A TCP relay in front of the server whose connections can be cut, like a network failure. */
async function startRelay(target: string): Promise<{ url: string; cut(): void } & AsyncDisposable> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const relayServer = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relayServer.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = relayServer.address() as net.AddressInfo;
  const cut = (): void => sockets.forEach((socket) => socket.destroy());
  return {
    url: `ws://127.0.0.1:${relayPort}`,
    cut,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => (cut(), relayServer.close(() => resolve()))),
  };
}
