/** The machine, the versions and the command a benchmark run is recorded with. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolveCodexBinary } from '../src/transport/binary.js';

export interface EnvironmentReport {
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: string; readonly os: string };
  readonly versions: {
    readonly node: string;
    readonly codex: string;
    readonly sdk: string;
    readonly git: string;
    readonly openaiCodexSdk: string;
    readonly vscodeJsonrpc: string;
  };
}

/** The installed version of a dependency (read from node_modules: some packages do not export package.json). */
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return '';
  }
}

export async function environmentReport(command: string): Promise<EnvironmentReport> {
  const cpus = os.cpus();
  const sdk = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const commit = run('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain']).length > 0;
  return {
    date: new Date().toISOString(),
    command,
    machine: {
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    versions: {
      node: process.version,
      codex: run(resolveCodexBinary().command, ['--version']) || packageVersion('@openai/codex'),
      sdk,
      git: commit === '' ? 'not a git checkout' : `git ${commit}${dirty ? ' + uncommitted changes' : ''}`,
      openaiCodexSdk: packageVersion('@openai/codex-sdk'),
      vscodeJsonrpc: packageVersion('vscode-jsonrpc'),
    },
  };
}
