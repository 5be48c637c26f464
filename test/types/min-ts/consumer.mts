// An ESM consumer of the published types. Compiled by `npm run check:types-min` with the oldest
// supported TypeScript, against dist/*.d.ts, with skipLibCheck off.
import {
  Codex,
  ServerBusyError,
  TurnHandle,
  retryOnOverload,
  text,
  type AsyncStream,
  type Notification,
  type TurnResult,
} from 'codex-app-server-sdk';
import type * as protocol from 'codex-app-server-sdk/protocol';
import { SERVER_NOTIFICATION_METHODS, type Thread as ThreadRecord } from 'codex-app-server-sdk/protocol';
import { DEFAULT_SCRIPTED_USAGE, ScriptedModel, overloadLaunchArgs, reply } from 'codex-app-server-sdk/testing';

export async function consume(): Promise<TurnResult | undefined> {
  await using model = await ScriptedModel.start();
  model.enqueue(reply.message('hi', { usage: DEFAULT_SCRIPTED_USAGE }));
  model.enqueueFor({ prompt: /deploy/ }, reply.shell('make deploy'), reply.message('Deployed.', { usage: null }));
  await using home = await model.createCodexHome();
  await using codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ 'thread/list': 1 }) });

  const notifications: AsyncStream<Notification> = codex.notifications();
  for await (const n of notifications) {
    if (n.method === 'turn/completed') break;
  }
  try {
    const page = await retryOnOverload(() => codex.request('thread/list', {}));
    console.log(page.data.length);
  } catch (error) {
    if (error instanceof ServerBusyError) return undefined;
  }

  const thread = await codex.threadStart();
  // The subpath's `Thread` is the server's record, the same type as the client's `ThreadInfo`.
  const record: ThreadRecord = thread.info;
  const started: protocol.ThreadStartResponse | undefined = undefined;
  console.log(record.id, started, SERVER_NOTIFICATION_METHODS.length);
  const turn: TurnHandle = await thread.turn([text('hello')]);
  for await (const delta of turn.text()) process.stdout.write(delta);
  const result = await turn.run();
  console.log(result.usage?.last.totalTokens, turn.state.status, turn.done);

  // @internal members are not part of the published types.
  // @ts-expect-error deliver is internal
  void turn.deliver;
  // @ts-expect-error abort is internal
  void turn.abort;
  return result;
}
