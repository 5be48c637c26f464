import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { resolveCodexBinary } from './binary.js';
import { commandEnvironmentConfig, type CommandEnvironment } from './command-env.js';
import { configFlags, type ConfigObject } from './config-flags.js';
import { moveSecretsOffArgv } from './config-secrets.js';
import { isRedactable, SECRET_NAME, secretsOf } from './stderr-tail.js';
import type { TomlValue } from './toml.js';

// Declared here, beside planLaunch that reads it, and re-exported as is by the client
// (src/session/codex.ts): each field and its doc live once.
/** How `Codex.start()` spawns the app-server. */
export interface CodexSpawnOptions {
  /** Path of a `codex` executable. Default: the native binary of the pinned `@openai/codex`. */
  readonly codexPath?: string | undefined;
  /** The whole argv to spawn instead (executable first), for tests and wrappers. `config` flags are appended. */
  readonly launchArgs?: readonly string[] | undefined;
  /** Config overrides, each passed as `--config key=<TOML value>`; nested objects become dotted keys. */
  readonly config?: ConfigObject | undefined;
  /** Sets `CODEX_HOME` for the server: where config, auth and thread rollouts live. */
  readonly codexHome?: string | undefined;
  /** Working directory of the server process. */
  readonly cwd?: string | undefined;
  /** Environment variables merged over `process.env`; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * What the commands the model runs see of that environment. Default `'core'`: `PATH`, `HOME`,
   * `USER`, `SHELL`, `TMPDIR` and the like, no secrets. `{ include: ['NAME', 'PREFIX_*'] }` adds
   * variables by name or glob; `'all'` passes everything. The server itself always gets it all.
   */
  readonly commandEnvironment?: CommandEnvironment | undefined;
}

export interface Launch {
  readonly argv: readonly string[];
  readonly env: Record<string, string | undefined>;
  readonly cwd: string | undefined;
  /**
   * Values to keep out of error messages and stderr tails: those of secret-looking environment
   * variables and config keys. Mutable: the client adds the API keys it is given.
   */
  readonly secrets: string[];
}

/**
 * Works out what to spawn: `launchArgs` as given (executable first), else the native codex
 * binary with `app-server`; then one `--config key=<TOML>` pair per config value, after the
 * `shell_environment_policy` that `commandEnvironment` asks for. The environment is
 * `process.env` with `env` merged over it (`undefined` removes a variable), plus the secrets
 * moved off the command line.
 */
export function planLaunch(options: CodexSpawnOptions): Launch {
  const policy = commandEnvironmentConfig(options.commandEnvironment, options.config);
  const moved = options.config === undefined ? undefined : moveSecretsOffArgv(options.config);
  const merged: Record<string, string | undefined> = { ...process.env, ...options.env, ...moved?.env };
  const env = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  if (options.codexHome !== undefined) env.CODEX_HOME = path.resolve(options.codexHome);

  let base: readonly string[];
  if (options.launchArgs !== undefined) {
    if (options.launchArgs.length === 0) throw new InvalidArgumentError('launchArgs', 'must not be empty: its first element is the executable');
    base = options.launchArgs;
  } else {
    const binary = resolveCodexBinary(options.codexPath);
    if (binary.helperPath !== undefined) {
      const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
      env[pathKey] = env[pathKey] ? `${binary.helperPath}${path.delimiter}${env[pathKey]}` : binary.helperPath;
    }
    base = [binary.command, 'app-server'];
  }
  const argv = [...base, ...configFlags(policy), ...(moved === undefined ? [] : configFlags(moved.config))];
  const secrets = secretsOf(env);
  if (options.config !== undefined) collectConfigSecrets(options.config, false, secrets);
  return { argv, env, cwd: options.cwd, secrets };
}

/** String values under a secret-looking key (`experimental_bearer_token`, `api_key`, ...), at any depth. */
function collectConfigSecrets(value: TomlValue | undefined, underSecretKey: boolean, secrets: string[]): void {
  if (typeof value === 'string') {
    if (underSecretKey && isRedactable(value) && !secrets.includes(value)) secrets.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value as readonly TomlValue[]) collectConfigSecrets(item, underSecretKey, secrets);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, member] of Object.entries(value)) collectConfigSecrets(member, underSecretKey || SECRET_NAME.test(key), secrets);
  }
}
