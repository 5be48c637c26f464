import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedModel, startAppServer, type AppServer, type TemporaryCodexHome } from '../../src/testing.js';

// A user who only connects installs with `npm install --omit=optional`: `@openai/codex` is there,
// its ~400 MB platform package with the native binary is not. The built package, laid out that
// way in a fresh node_modules, must import and connect; only Codex.start() needs the binary.

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The SDK's runtime dependencies and theirs, read from the package manifests: what
 * `--omit=optional` installs. Optional dependencies (the native binary's platform package) are left out.
 */
function runtimeDependencies(): string[] {
  const found = new Set<string>();
  const visit = (manifest: string): void => {
    const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(dependencies)) {
      if (found.has(name)) continue;
      found.add(name);
      visit(path.join(root, 'node_modules', name, 'package.json'));
    }
  };
  visit(path.join(root, 'package.json'));
  return [...found];
}
const DEPENDENCIES = runtimeDependencies();

let project: string;
let model: ScriptedModel;
let home: TemporaryCodexHome;
let server: AppServer;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist/index.js')) || !existsSync(path.join(root, 'dist/index.cjs'))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
  project = mkdtempSync(path.join(os.tmpdir(), 'sdk-no-binary-'));
  const sdk = path.join(project, 'node_modules', 'codex-app-server-sdk');
  mkdirSync(sdk, { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(sdk, 'package.json'));
  // Copies, not symlinks: Node resolves from a symlink's real path, which would find the
  // binary in this repository's node_modules.
  cpSync(path.join(root, 'dist'), path.join(sdk, 'dist'), { recursive: true });
  for (const name of DEPENDENCIES) {
    cpSync(path.join(root, 'node_modules', name), path.join(project, 'node_modules', name), { recursive: true, dereference: true });
  }
  model = await ScriptedModel.start();
  home = await model.createCodexHome();
  server = await startAppServer({ codexHome: home.path, listen: 'ws' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await model?.close();
  await home?.remove();
  if (project) rmSync(project, { recursive: true, force: true });
});

const SCRIPT = `
const { Codex, CodexBinaryNotFoundError } = SDK;
const codex = await Codex.connect({ url: process.env.URL, tokenFile: process.env.TOKEN_FILE });
const page = await codex.request('thread/list', {});
await codex.close();
const started = await Codex.start().then((c) => c.close().then(() => 'started'), (e) => (e instanceof CodexBinaryNotFoundError ? 'binary not found' : String(e)));
console.log(JSON.stringify({ connected: Array.isArray(page.data), started }));
`;

describe('installed without optional dependencies (no native binary)', () => {
  it.each([
    ['ESM', ['--input-type=module', '-e', `const SDK = await import('codex-app-server-sdk');${SCRIPT}`]],
    ['CJS', ['-e', `(async () => { const SDK = require('codex-app-server-sdk');${SCRIPT} })()`]],
  ])('%s: imports and connects; Codex.start() says the binary is missing', async (_kind, args) => {
    expect(existsSync(path.join(project, 'node_modules/@openai/codex-linux-x64'))).toBe(false);
    const { stdout } = await execFileAsync(process.execPath, args, {
      cwd: project,
      env: { ...process.env, URL: server.url, TOKEN_FILE: server.tokenFile },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ connected: true, started: 'binary not found' });
  });
});
