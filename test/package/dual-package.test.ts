import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The dual-package hazard: an app (or a test runner) that loads both the ESM and the CJS build
// gets two copies of every error class. These run in a separate Node process against the built
// package, loading both builds by the package's own name. `npm test` builds first; a bare
// `vitest run` builds here if dist/ is missing.
const root = new URL('../../', import.meta.url);

beforeAll(() => {
  if (!existsSync(new URL('dist/index.cjs', root)) || !existsSync(new URL('dist/index.js', root))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
}, 120_000);

const SCRIPT = `
import { createRequire } from 'node:module';
const esm = await import('codex-app-server-sdk');
const cjs = createRequire(process.cwd() + '/')('codex-app-server-sdk');
const names = Object.keys(esm).filter((name) => /Error$/.test(name) && typeof esm[name] === 'function' && esm[name].prototype instanceof Error);
function make(lib, name) {
  const C = lib[name];
  switch (name) {
    case 'InvalidArgumentError': return new C('x', 'bad');
    case 'CodexBinaryNotFoundError': return new C('gone', []);
    case 'TransportClosedError': return new C('closed', { exitCode: 1, signal: null, stderrTail: '' });
    case 'RequestTimeoutError': return new C('m', 5);
    case 'StreamConsumedError': return new C('turn', 1);
    case 'AbortError': return new C('x', undefined);
    case 'ProtocolError': return new C('bad', 'invalidJson', 'x');
    case 'TurnFailedError': case 'StructuredOutputError': return new C({ id: 't' }, null, undefined);
    case 'LoginFailedError': return new C('l', { success: false, error: 'no' });
    default: return new C('server text', -32000, null, 'some/method');
  }
}
const out = { names, distinctCopies: esm.CodexError !== cjs.CodexError, mismatches: [] };
for (const [from, to, label] of [[esm, cjs, 'esm->cjs'], [cjs, esm, 'cjs->esm']]) {
  for (const made of names) {
    const error = make(from, made);
    for (const checked of names) {
      const expected = error instanceof from[checked];
      if ((error instanceof to[checked]) !== expected) out.mismatches.push(label + ': ' + made + ' instanceof ' + checked);
    }
  }
}
class Mine extends esm.CodexError {}
out.subclassIsCodexError = new Mine('x') instanceof cjs.CodexError;
out.baseIsNotSubclass = new cjs.CodexError('x') instanceof Mine;
out.plainIsNot = new Error('x') instanceof cjs.CodexError || ({}) instanceof esm.CodexError || null instanceof esm.CodexError;
const busy = (lib) => new lib.ServerBusyError('busy', -32001, null, 'thread/list');
out.cjsRetriesEsm = await cjs.retryOnOverload(async (attempt) => { if (attempt < 3) throw busy(esm); return attempt; }, { minDelayMs: 1, maxDelayMs: 1 });
out.esmRetriesCjs = await esm.retryOnOverload(async (attempt) => { if (attempt < 3) throw busy(cjs); return attempt; }, { minDelayMs: 1, maxDelayMs: 1 });
console.log(JSON.stringify(out));
`;

describe('dual-package hazard: the ESM and CJS builds in one process', () => {
  it('keeps instanceof of every error class across builds, both directions, and retryOnOverload retries the other build', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: root, encoding: 'utf8' })) as {
      names: string[];
      distinctCopies: boolean;
      mismatches: string[];
      subclassIsCodexError: boolean;
      baseIsNotSubclass: boolean;
      plainIsNot: boolean;
      cjsRetriesEsm: number;
      esmRetriesCjs: number;
    };
    // Really two copies, and every exported error class was checked.
    expect(out.distinctCopies).toBe(true);
    expect(out.names).toEqual(expect.arrayContaining(['CodexError', 'ServerBusyError', 'RetryLimitExceededError', 'TurnFailedError', 'LoginFailedError', 'AbortError']));
    expect(out.mismatches).toEqual([]);
    expect(out.subclassIsCodexError).toBe(true);
    expect(out.baseIsNotSubclass).toBe(false);
    expect(out.plainIsNot).toBe(false);
    expect(out.cjsRetriesEsm).toBe(3);
    expect(out.esmRetriesCjs).toBe(3);
  });
});

// The schema validators ship once, as dist/validators.cjs beside both builds, which import it:
// both builds in one process must check results with that one loaded copy.
const VALIDATION_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const loaded = () => Object.keys(require.cache).filter((file) => file.endsWith('validators.cjs'));
const esm = await import('codex-app-server-sdk');
const cjs = require('codex-app-server-sdk');
const out = { loadedAtImport: loaded().length };
const script = JSON.stringify({ 'thread/read': [{ reply: { thread: null } }], 'model/list': [{ reply: { data: [], nextCursor: null } }] });
for (const [label, lib] of [['esm', esm], ['cjs', cjs]]) {
  const codex = await lib.Codex.start({ launchArgs: [process.execPath, process.env.FAKE, script], onWarning: () => undefined });
  const bad = await codex.request('thread/read', { threadId: 't' }).catch((error) => error);
  const good = await codex.request('model/list', {});
  await codex.close();
  out[label] = { invalid: bad instanceof esm.InvalidResponseError && bad instanceof cjs.InvalidResponseError, path: bad.path, reason: bad.reason, valid: good.data };
}
out.loadedAfter = loaded().map((file) => file.slice(process.cwd().length + 1));
console.log(JSON.stringify(out));
`;

describe('schema validators in the built package', () => {
  it('are loaded once for both builds, and check results in both', () => {
    const fake = fileURLToPath(new URL('test/fixtures/fake-app-server.mjs', root));
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', VALIDATION_SCRIPT], { cwd: root, encoding: 'utf8', env: { ...process.env, FAKE: fake } }),
    ) as Record<string, unknown>;
    const checked = { invalid: true, path: '$.thread', reason: 'must be object', valid: [] };
    expect(out).toEqual({ loadedAtImport: 1, esm: checked, cjs: checked, loadedAfter: ['dist/validators.cjs'] });
  });
});
