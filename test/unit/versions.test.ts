import { describe, expect, it } from 'vitest';
import {
  MIN_SUPPORTED_CODEX_VERSION,
  SCHEMA_CODEX_VERSION,
  SUPPORTED_CODEX_RANGE,
  compareCodexVersions,
  isSupportedCodexVersion,
  parseCodexVersion,
  type Notification,
} from '../../src/index.js';
import { startFake } from '../helpers/fake-server.js';

describe('codex versions', () => {
  it('parses and compares versions numerically', () => {
    expect(parseCodexVersion('0.171.0')).toEqual({ major: 0, minor: 171, patch: 0, raw: '0.171.0' });
    expect(parseCodexVersion('0.172.0-alpha.1')).toMatchObject({ minor: 172, raw: '0.172.0-alpha.1' });
    expect(parseCodexVersion('latest')).toBeUndefined();
    expect(compareCodexVersions('0.99.0', '0.171.0')).toBeLessThan(0); // not a string comparison
    expect(compareCodexVersions('0.171.0', '0.171.0')).toBe(0);
    expect(compareCodexVersions('1.0.0', '0.171.9')).toBeGreaterThan(0);
  });

  it('supports the range from MIN_SUPPORTED_CODEX_VERSION to the schema version', () => {
    expect(SUPPORTED_CODEX_RANGE).toEqual({ min: MIN_SUPPORTED_CODEX_VERSION, max: SCHEMA_CODEX_VERSION });
    expect(isSupportedCodexVersion(MIN_SUPPORTED_CODEX_VERSION)).toBe(true);
    expect(isSupportedCodexVersion(SCHEMA_CODEX_VERSION)).toBe(true);
    expect(isSupportedCodexVersion('0.1.0')).toBe(false);
    expect(isSupportedCodexVersion('9.9.9')).toBe(false);
  });

  it('does not warn for a supported older server, and warns outside the range', async () => {
    const warnings: string[] = [];
    await using older = await startFake({}, { env: { FAKE_CODEX_VERSION: MIN_SUPPORTED_CODEX_VERSION }, onWarning: (w) => warnings.push(w.message) });
    expect(older.serverVersion).toBe(MIN_SUPPORTED_CODEX_VERSION);
    expect(warnings).toEqual([]);
    await using old = await startFake({}, { env: { FAKE_CODEX_VERSION: '0.1.0' }, onWarning: (w) => warnings.push(w.message) });
    expect(old.serverVersion).toBe('0.1.0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`outside the versions this SDK supports (${MIN_SUPPORTED_CODEX_VERSION} to ${SCHEMA_CODEX_VERSION}`);
  });
});

describe('onUnknownServerRequest', () => {
  it('answers a server request method the SDK does not know, with the handler context', async () => {
    const seen: unknown[] = [];
    await using codex = await startFake(
      { $echoResponses: true, 'x/go': [{ reply: {} }, { request: { id: 5, method: 'brand/new', params: { threadId: 't', q: 1 } } }] },
      {
        onUnknownServerRequest: (method, params, context) => {
          seen.push({ method, params, requestId: context.requestId, threadId: context.threadId });
          return { answered: true };
        },
      },
    );
    const stream = codex.notifications();
    await codex.rawRequest('x/go', {});
    let answer: unknown;
    for await (const n of stream as AsyncIterable<Notification>) {
      if (n.method === ('fake/response' as never)) {
        answer = n.params;
        break;
      }
    }
    expect(answer).toEqual({ id: 5, result: { answered: true } });
    expect(seen).toEqual([{ method: 'brand/new', params: { threadId: 't', q: 1 }, requestId: 5, threadId: 't' }]);
  });
});
