import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsupportedFeatureError, compareCodexVersions, type ProtocolError, type ThreadItem } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { scripted, TEST_CODEX_VERSION } from '../helpers/scripted.js';

// Schema validation against the real binary: its results pass, and a handler's answer of the
// wrong shape never reaches it.

describe('validation against the real app-server', () => {
  it('an array answered to a command approval is not sent: the command does not run', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-validation-'));
    const errors: ProtocolError[] = [];
    await using env = await scripted({
      // codex reads an array's elements as the answer's fields: ['accept'] would approve.
      codex: { onServerRequest: { 'item/commandExecution/requestApproval': () => ['accept'] as never } },
    });
    const { codex, model } = env;
    codex.on('error', (error) => errors.push(error));
    const thread = await codex.threadStart({ approvalPolicy: 'untrusted', approvalsReviewer: 'user', cwd: dir });
    model.enqueue(reply.shell('touch should-not-exist.txt'), reply.message('not run'));
    const result = await thread.run('try it');
    expect(result.items.find((item: ThreadItem) => item.type === 'commandExecution')).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(dir, 'should-not-exist.txt'))).toBe(false);
    expect(errors.map((e) => e.kind)).toEqual(['handlerFailed']);
    expect(errors[0]!.message).toContain('does not match the protocol schema');
  });

  it('validates real results, including a method whose result type codegen derived by rule', async () => {
    await using env = await scripted();
    const { codex, home } = env;
    const providerId = /^model_provider\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(home.path, 'config.toml'), 'utf8'))?.[1];
    expect(providerId).toBeDefined();
    // modelProvider/default/set has no response type of its own; the rules give ConfigWriteResponse.
    // It is new in 0.171.0: an older server (npm run test:compat) gives UnsupportedFeatureError.
    const setting = codex.request('modelProvider/default/set', { providerId: providerId! });
    if (compareCodexVersions(TEST_CODEX_VERSION, '0.171.0') >= 0) {
      expect((await setting).status).toBe('ok');
    } else {
      const error = (await setting.catch((e: unknown) => e)) as UnsupportedFeatureError;
      expect(error).toBeInstanceOf(UnsupportedFeatureError);
      expect(error).toMatchObject({ reason: 'unknownMethod', serverVersion: TEST_CODEX_VERSION });
      expect(error.knownMethods).toContain('thread/start');
      expect(error.message.length).toBeLessThan(200);
    }
    expect((await codex.request('thread/start', {})).thread.id).toEqual(expect.any(String));
  });

  it('an experimental method without experimentalApi gives UnsupportedFeatureError', async () => {
    await using env = await scripted({ codex: { experimentalApi: false } });
    const error = (await env.codex.request('memory/status', {}).catch((e: unknown) => e)) as UnsupportedFeatureError;
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect(error).toMatchObject({ reason: 'experimental', feature: 'memory/status', serverVersion: TEST_CODEX_VERSION });
  });
});
