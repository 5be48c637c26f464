import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// An app that bundles the SDK: the builds import the schema validators from validators.cjs
// beside them, and the app's bundler follows that import like any other, so the bundle checks
// results on its own, with no file to copy beside it.
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
  it('carries the validators in the bundle: results are checked with nothing copied beside it', () => {
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['app.mjs']);
    expect(run()).toEqual({ codexError: true, invalidResponse: true, message: 'thread/read answered with a result that does not match the protocol schema: $.thread must be object' });
  });
});
