import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CodexBinaryNotFoundError } from '../errors.js';

/** The platform packages `@openai/codex` ships its native binary in, keyed by Node's platform-arch. */
const PLATFORM_TARGETS: Readonly<Record<string, { pkg: string; triple: string }>> = {
  'linux-x64': { pkg: '@openai/codex-linux-x64', triple: 'x86_64-unknown-linux-musl' },
  'linux-arm64': { pkg: '@openai/codex-linux-arm64', triple: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { pkg: '@openai/codex-darwin-x64', triple: 'x86_64-apple-darwin' },
  'darwin-arm64': { pkg: '@openai/codex-darwin-arm64', triple: 'aarch64-apple-darwin' },
  'win32-x64': { pkg: '@openai/codex-win32-x64', triple: 'x86_64-pc-windows-msvc' },
  'win32-arm64': { pkg: '@openai/codex-win32-arm64', triple: 'aarch64-pc-windows-msvc' },
};

export interface ResolvedBinary {
  /** Absolute path of the native `codex` executable. */
  readonly command: string;
  /** Directory of helper binaries (e.g. `rg`) to prepend to `PATH`, when the package has one. */
  readonly helperPath: string | undefined;
}

/**
 * Finds the native `codex` binary: `codexPath` when given, else the one in the platform
 * package of the pinned `@openai/codex` dependency. The npm launcher script is never used:
 * killing it can orphan the real process.
 */
export function resolveCodexBinary(codexPath?: string): ResolvedBinary {
  if (codexPath !== undefined) {
    const problem = executableProblem(codexPath);
    if (problem !== undefined) {
      throw new CodexBinaryNotFoundError(
        `codexPath "${codexPath}" ${problem}. Pass the path of a codex executable, or omit codexPath to use the bundled @openai/codex binary.`,
        [codexPath],
      );
    }
    return { command: codexPath, helperPath: undefined };
  }
  const key = `${process.platform}-${process.arch}`;
  const target = PLATFORM_TARGETS[key];
  if (target === undefined) {
    throw new CodexBinaryNotFoundError(
      `@openai/codex has no native binary for ${key}. Install codex yourself and pass its path as codexPath.`,
      [],
    );
  }
  const looked: string[] = [];
  for (const root of candidateRoots(target.pkg)) {
    const vendor = path.join(root, 'vendor', target.triple);
    const command = path.join(vendor, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
    looked.push(command);
    if (existsSync(command)) {
      const helperPath = path.join(vendor, 'codex-path');
      return { command, helperPath: existsSync(helperPath) ? helperPath : undefined };
    }
  }
  throw new CodexBinaryNotFoundError(
    `Could not find the codex binary for ${key} (package ${target.pkg}, an optional dependency of @openai/codex). ` +
      `Looked in: ${looked.length > 0 ? looked.join(', ') : `no installed copy of ${target.pkg}`}. ` +
      'Reinstall without omitting optional dependencies (npm install --include=optional), or pass codexPath.',
    looked,
  );
}

/**
 * Package roots to search: the platform package as this SDK resolves it, then as the pinned
 * `@openai/codex` resolves it (package managers may nest it there).
 */
function candidateRoots(pkg: string): string[] {
  const roots = new Set<string>();
  const fromSdk = createRequire(import.meta.url);
  try {
    roots.add(path.dirname(fromSdk.resolve(`${pkg}/package.json`)));
  } catch {
    // Not hoisted next to the SDK; try through @openai/codex below.
  }
  try {
    const launcherRoot = path.dirname(fromSdk.resolve('@openai/codex/package.json'));
    const fromLauncher = createRequire(path.join(launcherRoot, 'package.json'));
    roots.add(path.dirname(fromLauncher.resolve(`${pkg}/package.json`)));
  } catch {
    // @openai/codex or its platform package is not installed.
  }
  return [...roots];
}

/** Why `file` cannot be spawned as a program (does not exist, is a directory, is not executable), or undefined. */
export function executableProblem(file: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    return 'does not exist';
  }
  if (!isFile) return 'is a directory (or another non-file), not an executable';
  if (process.platform === 'win32') return undefined;
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return 'is not executable (no execute permission)';
  }
  return undefined;
}

/** Says in words why spawning `command` failed (`spawn` reports only a code such as ENOENT). */
export function explainSpawnFailure(command: string, error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const explained = code === 'ENOENT' || code === 'EACCES' ? (command.includes('/') || command.includes('\\') ? executableProblem(command) : undefined) : undefined;
  const detail = explained ?? (code === 'ENOENT' ? 'was not found (no such file, and not on PATH)' : code === 'EACCES' ? 'could not be run (permission denied)' : undefined);
  return detail === undefined ? `Could not start the app-server (${command}): ${error.message}` : `Could not start the app-server: ${command} ${detail} (${error.message})`;
}
