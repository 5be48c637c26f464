/**
 * Login and account. `codex.account()` says who is signed in; `loginApiKey(key)` stores an API
 * key in CODEX_HOME; `loginChatgpt()` starts the browser sign-in (open `authUrl`, then
 * `await handle.wait()`), `loginChatgptDeviceCode()` the device-code one for machines without a
 * browser; `logout()` forgets the credentials.
 *
 * Offline, a throwaway CODEX_HOME is used and a made-up key is stored: the server does not check
 * a key until it calls the model (this example runs no turn, so nothing goes over the network).
 * The SDK also redacts the key from its errors and logs.
 * Live, your real login is only read: the example shows what `loginChatgpt()` returns, then
 * cancels the flow without signing you out.
 *
 *   npm run example -- login              # offline: fake key, throwaway CODEX_HOME
 *   CODEX_DEMO_LIVE=1 npm run example -- login   # reads your account; starts and cancels a ChatGPT login
 */
import { Codex, LoginFailedError, type GetAccountResponse } from 'codex-app-server-sdk';
import { ScriptedModel } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
await using home = model ? await model.createCodexHome() : undefined;
// The scripted provider needs no OpenAI credentials, so codex would report no account at all with
// it: offline, select codex's built-in `openai` provider for this client (no turn runs here).
await using codex = await Codex.start({ codexHome: home?.path, config: live ? undefined : { model_provider: 'openai' } });

function describe({ account, requiresOpenaiAuth }: GetAccountResponse): string {
  let who = 'not signed in';
  if (account?.type === 'apiKey') who = 'signed in with an API key';
  else if (account?.type === 'chatgpt') who = `signed in to ChatGPT as ${account.email ?? '?'} (${account.planType})`;
  else if (account) who = `signed in (${account.type})`;
  return `${who}; the provider needs OpenAI auth: ${requiresOpenaiAuth}`;
}

console.log(`1. account(): ${describe(await codex.account())}`);

if (!live) {
  // A fake key, stored by the server in CODEX_HOME (auth.json).
  await codex.loginApiKey('sk-example-0000000000000000000000000000');
  console.log(`2. after loginApiKey(): ${describe(await codex.account())}`);
  await codex.logout();
  console.log(`3. after logout(): ${describe(await codex.account())}`);
  console.log('(run with CODEX_DEMO_LIVE=1 to see what loginChatgpt() returns)');
} else {
  // The browser flow: show the URL to the user, then wait. Here we cancel it at once.
  const handle = await codex.loginChatgpt();
  console.log(`2. loginChatgpt(): loginId ${handle.loginId}\n   open ${handle.authUrl}`);
  const waiting = handle.wait().catch((error: unknown) => (error instanceof LoginFailedError ? `LoginFailedError: ${error.message}` : Promise.reject(error)));
  await handle.cancel();
  console.log(`3. after cancel(): ${String(await waiting)}`);
}
