/**
 * The environment the latency benchmarks share: one scripted model on 127.0.0.1, one throwaway
 * `CODEX_HOME` pointing at it, and the native codex binary every client under test spawns.
 */
import { resolveCodexBinary } from '../src/transport/binary.js';
import { ScriptedModel, type TemporaryCodexHome } from '../src/testing.js';

export interface ScriptedEnvironment extends AsyncDisposable {
  readonly model: ScriptedModel;
  readonly home: TemporaryCodexHome;
  /** The native codex binary (the one `Codex.start()` spawns). */
  readonly codexPath: string;
  /** What a hand-spawned `codex app-server` gets: this environment, `CODEX_HOME` and the helper `PATH` the SDK sets too. */
  readonly env: Record<string, string>;
  /** `codex app-server`, as the SDK spawns it. */
  readonly appServerArgv: readonly string[];
}

export async function scriptedEnvironment(): Promise<ScriptedEnvironment> {
  const model = await ScriptedModel.start();
  const home = await model.createCodexHome({ prefix: 'codex-bench-home-' });
  const binary = resolveCodexBinary();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env.CODEX_HOME = home.path;
  if (binary.helperPath !== undefined) env.PATH = env.PATH ? `${binary.helperPath}:${env.PATH}` : binary.helperPath;
  return {
    model,
    home,
    codexPath: binary.command,
    env,
    appServerArgv: [binary.command, 'app-server'],
    async [Symbol.asyncDispose]() {
      await model.close();
      await home.remove();
    },
  };
}
