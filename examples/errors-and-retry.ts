/**
 * Typed errors and retrying. Everything the SDK throws is a `CodexError`; catch the subclass you
 * can handle:
 *
 * - `InvalidParamsError`: the server could not deserialize the params (wrong type, bad enum value).
 * - `InvalidRequestError`: the server refused the request (here: a thread that does not exist).
 * - `TurnFailedError`: a turn ended with status `failed`; `error.codexErrorInfo` says why.
 * - `retryOnOverload(fn)`: retries `fn` only on `ServerBusyError`; anything else is thrown at once.
 *
 * Offline only: the failing turn needs a model reply that fails on demand (an HTTP 401 here),
 * which only the scripted model can give.
 *
 *   node --import tsx examples/errors-and-retry.ts
 */
import { Codex, CodexError, InvalidParamsError, InvalidRequestError, TurnFailedError, retryOnOverload, type SandboxMode } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

await using model = await ScriptedModel.start();
model.enqueue(reply.httpError(401, { message: 'Incorrect API key provided' }), reply.message('Working again.'));
await using home = await model.createCodexHome();
await using codex = await Codex.start({ codexHome: home.path });

// 1. Bad params: say a sandbox name read from a config file has a typo.
const fromConfig = 'read_only' as SandboxMode;
try {
  await codex.threadStart({ sandbox: fromConfig });
} catch (error) {
  if (!(error instanceof InvalidParamsError)) throw error;
  console.log(`1. InvalidParamsError from ${error.method} (code ${error.code}): ${error.message}`);
}

// 2. A refused request: resuming a thread that does not exist.
const unknownThread = '019a0000-0000-7000-8000-000000000000';
try {
  await codex.threadResume(unknownThread);
} catch (error) {
  if (!(error instanceof InvalidRequestError)) throw error;
  console.log(`2. InvalidRequestError from ${error.method}: ${error.message}`);
}

// 3. A failed turn: the model provider answered 401. run() rejects with TurnFailedError.
const thread = await codex.threadStart();
try {
  await thread.run('Hello?');
} catch (error) {
  if (!(error instanceof TurnFailedError)) throw error;
  console.log(`3. TurnFailedError: turn ${error.turn.status}`);
  console.log(`   message: ${error.error?.message}`);
  console.log(`   codexErrorInfo: ${JSON.stringify(error.error?.codexErrorInfo)}`);
}
// The thread is still usable after a failed turn.
console.log(`   next turn: ${(await thread.run('Hello again?')).finalResponse}`);

// 4. retryOnOverload: when the server's request queue is full it answers -32001, which the SDK
// throws as ServerBusyError; retryOnOverload then waits (250 ms, doubling with jitter, at most
// 2 s) and tries again, 3 attempts in all by default. The server is idle here, so the first
// attempt succeeds.
const page = await retryOnOverload(
  (attempt) => {
    console.log(`4. thread/list, attempt ${attempt}`);
    return codex.threadList({ limit: 10 });
  },
  { onRetry: (error, attempt) => console.log(`   attempt ${attempt} overloaded (${error.message}), retrying`) },
);
console.log(`   listed ${page.data.length} thread(s)`);

// Any other error is not retried: it comes out of the first attempt untouched.
let attempts = 0;
const notRetried = await retryOnOverload(() => (attempts++, codex.threadResume(unknownThread))).catch((e: unknown) => e);
console.log(`   not retried: ${(notRetried as CodexError).name} after ${attempts} attempt(s)`);
