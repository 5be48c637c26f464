import { fileURLToPath } from 'node:url';
import { Codex, SCHEMA_CODEX_VERSION, type CodexOptions } from '../../src/index.js';
import { resolveCodexBinary } from '../../src/transport/binary.js';
import { ScriptedModel, type CreateCodexHomeOptions, type TemporaryCodexHome } from '../../src/testing.js';

/** A scripted model, a throwaway CODEX_HOME pointing at it, and the real app-server on top. */
export interface Scripted extends AsyncDisposable {
  readonly model: ScriptedModel;
  readonly home: TemporaryCodexHome;
  /** The client started by `scripted()`. */
  readonly codex: Codex;
  /** Starts another client on the same home (e.g. to restart the server). */
  start(options?: CodexOptions): Promise<Codex>;
}

const DELAYING_PROXY = fileURLToPath(new URL('../fixtures/delaying-proxy.mjs', import.meta.url));

/**
 * `launchArgs` that run the real app-server behind a pipe holding back the answers to the given
 * methods by the given number of ms (e.g. `{ 'turn/start': 500 }`; `{ ms, times }` holds only the
 * first `times` answers).
 */
export function delayedAnswers(delays: Record<string, number | { readonly ms: number; readonly times: number }>): string[] {
  return [process.execPath, DELAYING_PROXY, JSON.stringify(delays), resolveCodexBinary(TEST_CODEX_PATH).command, 'app-server'];
}

/**
 * Another codex to test against (`npm run test:compat -- <version>` sets it): the integration
 * suite then runs that binary through `codexPath` instead of the pinned one.
 */
export const TEST_CODEX_PATH = process.env.CODEX_SDK_TEST_CODEX_PATH || undefined;
/** The version of the codex under test: the compat run's, else the pinned one. */
export const TEST_CODEX_VERSION = process.env.CODEX_SDK_TEST_CODEX_VERSION || SCHEMA_CODEX_VERSION;

export async function scripted(options: { codex?: CodexOptions; home?: CreateCodexHomeOptions } = {}): Promise<Scripted> {
  const model = await ScriptedModel.start();
  const home = await model.createCodexHome(options.home);
  const clients: Codex[] = [];
  const start = async (extra: CodexOptions = {}): Promise<Codex> => {
    const launched = options.codex?.launchArgs !== undefined || extra.launchArgs !== undefined;
    const codexPath = TEST_CODEX_PATH !== undefined && !launched ? { codexPath: TEST_CODEX_PATH } : {};
    const codex = await Codex.start({ codexHome: home.path, ...codexPath, ...options.codex, ...extra });
    clients.push(codex);
    return codex;
  };
  try {
    const codex = await start();
    return {
      model,
      home,
      codex,
      start,
      async [Symbol.asyncDispose]() {
        await Promise.all(clients.map((client) => client.close()));
        await model.close();
        await home.remove();
      },
    };
  } catch (error) {
    await model.close();
    await home.remove();
    throw error;
  }
}
