import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// An app that bundles the SDK: the schema validators are not in the bundle but loaded from
// validators.cjs beside it (README "Codex versions"). Without the file the first check says so,
// as a CodexError naming the file; with it copied there, results are checked as usual.
const root = fileURLToPath(new URL('../../', import.meta.url));
const FAKE = path.join(root, 'test/fixtures/fake-app-server.mjs');

const APP = `
import { Codex, CodexError, InvalidResponseError } from 'codex-app-server-sdk';
const script = JSON.stringify({ 'thread/read': [{ reply: { thread: null } }] });
const outcome = async () => {
  const codex = await Codex.start({ launchArgs: [process.execPath, process.env.FAKE, script], onWarning: () => undefined });
  try {
    return await codex.request('thread/read', { threadId: 't' });
  } finally {
    await codex.close();
  }
};
const error = await outcome().then(() => undefined, (e) => e);
console.log(JSON.stringify({ codexError: error instanceof CodexError, invalidResponse: error instanceof InvalidResponseError, message: error?.message }));
`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist/index.js')) || !existsSync(path.join(root, 'dist/validators.cjs'))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
  // Inside the repository (.tmp/ is git-ignored) so the bundle finds the SDK's dependencies.
  mkdirSync(path.join(root, '.tmp'), { recursive: true });
  dir = mkdtempSync(path.join(root, '.tmp', 'bundled-'));
  writeFileSync(path.join(dir, 'app.mjs'), APP);
  bundle = path.join(dir, 'out', 'app.mjs');
  await build({
    entryPoints: [path.join(dir, 'app.mjs')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    alias: { 'codex-app-server-sdk': path.join(root, 'dist/index.js') },
    logLevel: 'silent',
  });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(): { codexError: boolean; invalidResponse: boolean; message: string } {
  return JSON.parse(execFileSync(process.execPath, [bundle], { cwd: dir, encoding: 'utf8', env: { ...process.env, FAKE } })) as never;
}

describe('the SDK bundled into an app', () => {
  it('names the missing validators.cjs at the first check, then checks results once it is copied beside the bundle', () => {
    const missing = run();
    expect(missing.codexError).toBe(true);
    expect(missing.invalidResponse).toBe(false);
    expect(missing.message).toContain('validators.cjs is not beside');
    expect(missing.message).toContain('dist/validators.cjs');

    copyFileSync(path.join(root, 'dist/validators.cjs'), path.join(dir, 'out', 'validators.cjs'));
    const copied = run();
    expect(copied).toEqual({ codexError: true, invalidResponse: true, message: 'thread/read answered with a result that does not match the protocol schema: $.thread must be object' });
  });
});
