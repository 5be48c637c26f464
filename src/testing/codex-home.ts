/**
 * A throwaway `CODEX_HOME`: a fresh temporary directory holding a `config.toml`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatTomlDocument, type TomlTable } from '../transport/toml.js';

/** Options of {@link createTemporaryCodexHome}. */
export interface TemporaryCodexHomeOptions {
  /** Directory to create the home in. Default `os.tmpdir()`. */
  readonly parentDir?: string | undefined;
  /** Prefix of the directory name. Default `codex-home-`. */
  readonly prefix?: string | undefined;
}

/** A temporary `CODEX_HOME`. Pass `path` as the `CODEX_HOME` environment variable of codex. */
export interface TemporaryCodexHome extends AsyncDisposable {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Absolute path of its `config.toml`. */
  readonly configPath: string;
  /** Deletes the directory and everything codex wrote in it (sessions, logs). Idempotent. */
  remove(): Promise<void>;
  /** Same as {@link remove}, for `await using home = …`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a fresh directory (`mkdtemp`) and writes `config` into it as `config.toml`. */
export async function createTemporaryCodexHome(
  config: TomlTable,
  options: TemporaryCodexHomeOptions = {},
): Promise<TemporaryCodexHome> {
  const text = formatTomlDocument(config);
  const dir = await mkdtemp(path.join(options.parentDir ?? os.tmpdir(), options.prefix ?? 'codex-home-'));
  const configPath = path.join(dir, 'config.toml');
  try {
    await writeFile(configPath, text, 'utf8');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let removal: Promise<void> | undefined;
  const remove = (): Promise<void> => (removal ??= rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return { path: dir, configPath, remove, [Symbol.asyncDispose]: remove };
}
