import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../../src/version.js';

// These run against the built package, resolved by its own name through the `exports` map,
// in separate Node processes: exactly what a user's import sees. `npm test` builds first;
// a bare `vitest run` builds here if dist/ is missing.
const root = new URL('../../', import.meta.url);

beforeAll(() => {
  if (!existsSync(new URL('dist/index.cjs', root)) || !existsSync(new URL('dist/testing.js', root)) || !existsSync(new URL('dist/protocol.js', root))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
}, 120_000);

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('built package', () => {
  it('exposes Codex to import() through the ESM entry', () => {
    const out = node([
      '--input-type=module',
      '-e',
      "const m = await import('codex-app-server-sdk'); const t = await import('codex-app-server-sdk/testing'); console.log(typeof m.Codex.start, typeof m.retryOnOverload, Object.keys(t).length > 0)",
    ]);
    expect(out).toBe('function function true');
  });

  it('exposes Codex to require() through the CJS entry, p-retry bundled in', () => {
    const out = node([
      '-e',
      "const m = require('codex-app-server-sdk'); const t = require('codex-app-server-sdk/testing'); console.log(typeof m.Codex.start, typeof m.retryOnOverload, Object.keys(t).length > 0, require.resolve('codex-app-server-sdk'))",
    ]);
    const [start, retry, testing, resolved] = out.split(' ');
    expect([start, retry, testing]).toEqual(['function', 'function', 'true']);
    expect(resolved).toMatch(/dist[\\/]index\.cjs$/);
    expect(readFileSync(new URL('dist/index.cjs', root), 'utf8')).not.toMatch(/require\(["']p-retry["']\)/);
  });
});

describe('codex-app-server-sdk/protocol', () => {
  it('gives the method lists, and nothing of the client, to import() and require()', () => {
    const esm = node([
      '--input-type=module',
      '-e',
      "const p = await import('codex-app-server-sdk/protocol'); console.log(Object.keys(p).sort().join(','), p.CLIENT_REQUEST_METHODS.includes('thread/start'))",
    ]);
    const cjs = node(['-e', "const p = require('codex-app-server-sdk/protocol'); console.log(Object.keys(p).sort().join(','), p.SERVER_NOTIFICATION_METHODS.includes('turn/completed'))"]);
    const lists = 'CLIENT_NOTIFICATION_METHODS,CLIENT_REQUEST_METHODS,SERVER_NOTIFICATION_METHODS,SERVER_REQUEST_METHODS';
    expect(esm).toBe(`${lists} true`);
    expect(cjs).toBe(`${lists} true`);
  });
});

describe('package metadata', () => {
  it('keeps SDK_VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
