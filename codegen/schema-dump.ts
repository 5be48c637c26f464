/**
 * Step (a) of `npm run codegen`: dump the JSON Schema bundle from the installed codex binary into a
 * fresh directory and record the codex version in its VERSION file. The caller swaps it in.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveCodexBinary } from '../src/transport/binary.js';
import { EXPERIMENTAL_FILE, experimentalMarks } from './experimental.js';

const run = promisify(execFile);

/** Files step (b) reads; their absence means the dump did not produce what codegen expects. */
const REQUIRED_FILES = [
  'ClientRequest.json',
  'ServerNotification.json',
  'ServerRequest.json',
  'codex_app_server_protocol.schemas.json',
  'codex_app_server_protocol.v2.schemas.json',
];

export async function pinnedCodexVersion(): Promise<string> {
  const manifest = createRequire(import.meta.url).resolve('@openai/codex/package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`codegen: ${manifest} has no version`);
  return version;
}

/** `codex --version` of the binary the SDK spawns by default, e.g. `0.171.0`. */
export async function installedCodexVersion(): Promise<string> {
  const { command, env } = binaryCommand();
  const { stdout } = await run(command, ['--version'], { env });
  const version = /^codex-cli (\S+)$/.exec(stdout.trim())?.[1];
  if (version === undefined) throw new Error(`codegen: cannot parse \`${command} --version\` output: ${JSON.stringify(stdout)}`);
  return version;
}

function binaryCommand(): { command: string; env: NodeJS.ProcessEnv } {
  const { command, helperPath } = resolveCodexBinary();
  const basePath = process.env.PATH ?? '';
  return { command, env: { ...process.env, PATH: helperPath === undefined ? basePath : `${helperPath}${path.delimiter}${basePath}` } };
}

/** Dumps the schema into `outDir` (which must not exist yet); returns the codex version it came from. */
export async function dumpSchema(outDir: string): Promise<string> {
  const { command, env } = binaryCommand();
  const version = await installedCodexVersion();
  const pinned = await pinnedCodexVersion();
  if (version !== pinned) {
    throw new Error(
      `codegen: the codex binary reports ${version} but node_modules/@openai/codex is ${pinned}. ` +
        'The platform package is out of step with the pinned dependency; reinstall (npm ci) and rerun.',
    );
  }

  const work = await mkdtemp(path.join(tmpdir(), 'codex-schema-'));
  try {
    const out = outDir;
    // An empty CODEX_HOME so the developer's config.toml (features, overrides) cannot change the dump.
    const codexHome = path.join(work, 'home');
    await mkdir(codexHome);
    const generate = async (dir: string, experimental: boolean): Promise<void> => {
      try {
        await run(command, ['app-server', 'generate-json-schema', ...(experimental ? ['--experimental'] : []), '--out', dir], {
          env: { ...env, CODEX_HOME: codexHome },
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        throw new Error(`codegen: \`codex app-server generate-json-schema\` failed:\n${stderr}`, { cause: error });
      }
      for (const file of REQUIRED_FILES) {
        await access(path.join(dir, file)).catch((cause: unknown) => {
          throw new Error(`codegen: generate-json-schema wrote no ${file}`, { cause });
        });
      }
      await writeFile(path.join(dir, 'VERSION'), `${version}\n`);
    };
    // The SDK's types cover everything (--experimental); the stable dump only tells which parts are experimental.
    const stable = path.join(work, 'stable');
    await generate(out, true);
    await generate(stable, false);
    await writeFile(path.join(out, EXPERIMENTAL_FILE), `${JSON.stringify(await experimentalMarks(out, stable), null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return version;
}
