/**
 * Connecting to an app-server that is already running, instead of spawning one per client.
 * Start one yourself with
 *
 *   codex app-server --listen ws://127.0.0.1:4500 --ws-auth capability-token --ws-token-file ~/.codex-token
 *
 * (the token file holds a secret only you can read), then `Codex.connect({ url, tokenFile })`.
 * Several clients can share the server: they see the same threads. Here `startAppServer()` from
 * `codex-app-server-sdk/testing` runs that command for us on a free port with a fresh token file.
 * See docs/running-app-servers.md for TLS, SSH tunnels and Unix sockets.
 *
 *   npm run example -- connect      # offline: a scripted model behind the listening server
 */
import { AuthenticationError, Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply, startAppServer } from 'codex-app-server-sdk/testing';

await using model = await ScriptedModel.start();
model.enqueue(reply.message('Hello from the shared server.'));
await using home = await model.createCodexHome();
await using server = await startAppServer({ codexHome: home.path, listen: 'ws' });
console.log(`listening: codex ${server.argv.slice(1).join(' ').replace(server.tokenFile ?? '', 'TOKEN_FILE').replace(/:\d+/, ':PORT')}`);

// Client 1 connects with the token file and starts a thread.
await using alice = await Codex.connect({ url: server.url, tokenFile: server.tokenFile });
const thread = await alice.threadStart();
const result = await thread.run('Say hello.');
console.log(`client 1 (server ${alice.serverVersion}): ${result.finalResponse}`);

// Client 2, on the same server, sees that thread.
await using bob = await Codex.connect({ url: server.url, token: server.token });
const listed = await bob.threadList();
console.log(`client 2 lists client 1's thread: ${listed.data.some((t) => t.id === thread.id)}`);

// A wrong token is refused at the handshake, with a typed error.
try {
  await using _intruder = await Codex.connect({ url: server.url, token: 'not-the-token-0000000000' });
  console.log('connected with a wrong token?!');
} catch (error) {
  if (!(error instanceof AuthenticationError)) throw error;
  console.log(`wrong token: ${error.name}`);
}

// Closing a client does not stop the server: it serves the others until it is stopped.
await alice.close();
console.log(`after client 1 closed, client 2 still works: ${(await bob.threadList()).data.length} thread(s)`);
