// The README's option shapes, each given values that may be `undefined`, compiled with
// `exactOptionalPropertyTypes` (see tsconfig.json). Never run: a compile-time check only.
import {
  Codex,
  retryOnOverload,
  tool,
  type CodexConnectOptions,
  type CodexOptions,
  type RequestOptions,
  type RetryOnOverloadOptions,
  type Thread,
  type TurnResult,
} from 'codex-app-server-sdk';
import { ScriptedModel, createTemporaryCodexHome, reply, startAppServer, type TemporaryCodexHome } from 'codex-app-server-sdk/testing';

declare const maybe: {
  readonly home?: TemporaryCodexHome;
  readonly signal?: AbortSignal;
  readonly ms?: number;
  readonly path?: string;
  readonly token?: string;
  readonly separator?: string;
  readonly flag?: boolean;
};

export async function startShapes(): Promise<TurnResult> {
  const options: CodexOptions = {
    codexHome: maybe.home?.path,
    codexPath: maybe.path,
    cwd: maybe.path,
    signal: maybe.signal,
    requestTimeoutMs: maybe.ms,
    turnTimeoutMs: maybe.ms,
    stallTimeoutMs: maybe.ms,
    interruptGraceMs: maybe.ms,
    serverRequestTimeoutMs: maybe.ms,
    toolTimeoutMs: maybe.ms,
    experimentalApi: maybe.flag,
    validateResults: maybe.flag,
    onWarning: undefined,
    onServerRequest: undefined,
    env: { EXTRA: undefined },
  };
  await using codex = await Codex.start(options);
  const thread: Thread = await codex.threadStart({ approvalMode: undefined, signal: maybe.signal, timeoutMs: maybe.ms, tools: undefined });
  await codex.threadResume(thread.id, { signal: maybe.signal, timeoutMs: maybe.ms });
  await codex.threadFork(thread.id, { onServerRequest: undefined });
  await thread.read({ includeTurns: maybe.flag });
  const turn = await thread.turn('Fix the failing test', {
    signal: maybe.signal,
    timeoutMs: maybe.ms,
    stallTimeoutMs: maybe.ms,
    approvalMode: undefined,
    sandbox: undefined,
    onServerRequest: undefined,
    trace: undefined,
  });
  for await (const delta of turn.text({ separator: maybe.separator })) process.stdout.write(delta);
  const request: RequestOptions = { signal: maybe.signal, timeoutMs: maybe.ms, trace: undefined };
  const retry: RetryOnOverloadOptions = { signal: maybe.signal };
  await retryOnOverload(() => codex.request('thread/list', {}, request), retry);
  for await (const n of codex.notifications({ signal: maybe.signal })) if (n.method === 'turn/completed') break;
  await codex.rawRequest('thread/list', {}, { timeoutMs: maybe.ms });
  return thread.run('Summarize README.md', { timeoutMs: maybe.ms });
}

export async function connectShapes(): Promise<void> {
  const options: CodexConnectOptions = {
    url: 'ws://127.0.0.1:4500',
    token: maybe.token,
    tokenFile: maybe.path,
    codexHome: maybe.path,
    connectTimeoutMs: maybe.ms,
    signedToken: { secret: maybe.token, ttlSeconds: maybe.ms },
    keepAlive: { intervalMs: maybe.ms, timeoutMs: maybe.ms },
    signal: maybe.signal,
  };
  await using codex = await Codex.connect(options);
  await codex.threadStart();
}

export async function testingShapes(): Promise<void> {
  await using model = await ScriptedModel.start();
  await using home = await model.createCodexHome();
  await using other = await createTemporaryCodexHome({}, { parentDir: maybe.path, prefix: undefined });
  model.enqueue(reply.message('Hi there', { deltas: undefined }));
  await using server = await startAppServer({ codexHome: home.path });
  void other;
  void server;
}

export const weather = tool<{ city: string }>({
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  timeoutMs: maybe.ms,
  execute: ({ city }) => `Sunny in ${city}`,
});
