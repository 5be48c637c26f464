import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderApiReference } from '../../codegen/api-reference.js';

describe('docs/api-reference.md', () => {
  let rendered = '';
  beforeAll(() => {
    rendered = renderApiReference();
  }, 120_000);

  it('matches what `npm run docs:api` makes of the sources', () => {
    const checkedIn = readFileSync(new URL('../../docs/api-reference.md', import.meta.url), 'utf8');
    // A stale file fails here: run `npm run docs:api` and commit the result.
    expect(checkedIn === rendered, 'docs/api-reference.md is stale: run `npm run docs:api`').toBe(true);
  });

  it('lists every export of every entry point, with the new protocol subpath and renamed types', () => {
    const text = rendered;
    for (const name of ['Codex', 'TurnHandle', 'retryOnOverload', 'ScriptedModel', 'overloadLaunchArgs', 'CLIENT_REQUEST_METHODS', 'ThreadInfo']) {
      expect(text).toContain(` \`${name}\``);
    }
    expect(text).toContain('## `codex-app-server-sdk/protocol`');
    expect(text).toContain('rawRequest(method: string, params?: unknown, options?: RequestOptions): Promise<unknown>;');
    expect(text).not.toMatch(/\bdeliver\(|captureStackTrace/);
  });
});
