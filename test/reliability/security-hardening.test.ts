import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reply, ScriptedModel } from '../../src/testing.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/testing/scripted-model.js';
import { MAX_LOCAL_IMAGE_BYTES } from '../../src/session/inputs.js';
import { Codex, CodexError, InvalidArgumentError, localImage, text, type CodexOptions, type ConfigObject } from '../../src/index.js';
import { planLaunch } from '../../src/transport/launch.js';
import { scripted } from '../helpers/scripted.js';
import { recordFigures, within } from '../helpers/reliability.js';

// Security hardening (issue 13): what model-run commands can see, secrets off the command line,
// hostile server output, option lookups, the testing helper.

const HOST_SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'aws-secret-test-0123456789abcdefghij',
  GITHUB_TOKEN: 'ghp_test_0123456789abcdefghijklmnopqrst',
  DATABASE_URL: 'postgres://app:db-password-test-4242@db.internal:5432/app',
  OPENAI_API_KEY: 'sk-host-openai-test-0123456789abcdef',
};

/** The output of `env` as the model receives it (its function_call_output), in one scripted turn. */
async function envSeenByModel(options: CodexOptions): Promise<string> {
  await using env = await scripted({ codex: { env: { ...HOST_SECRETS, MYAPP_REGION: 'eu-test-1' }, ...options } });
  const { codex, model } = env;
  const thread = await codex.threadStart();
  model.enqueue(reply.shell('env', { callId: 'env-call' }), reply.message('done'));
  await within(thread.run('print the environment'), 30_000, 'env turn');
  const output = model.requests[1]?.functionCallOutput('env-call')?.output;
  expect(typeof output).toBe('string');
  return output as string;
}

const secretsIn = (text: string): string[] => Object.entries(HOST_SECRETS).flatMap(([name, value]) => (text.includes(value) ? [name] : []));

describe('security: what the commands the model runs can see', () => {
  it('gives model-run commands no host secrets by default, while they still get PATH and HOME', async () => {
    const seen = await envSeenByModel({});
    expect(seen).toMatch(/^PATH=/m);
    expect(seen).toMatch(/^HOME=/m);
    expect(secretsIn(seen)).toEqual([]);
    expect(seen).not.toContain('MYAPP_REGION');
    recordFigures('security-command-env-default', { secretsSeen: secretsIn(seen).length });
  }, 60_000);

  it('passes variables named in commandEnvironment.include (globs too), and still no secret', async () => {
    const seen = await envSeenByModel({ commandEnvironment: { include: ['MYAPP_*'] } });
    expect(seen).toMatch(/^MYAPP_REGION=eu-test-1$/m);
    expect(seen).toMatch(/^PATH=/m);
    expect(secretsIn(seen)).toEqual([]);
  }, 60_000);

  it("passes everything with commandEnvironment: 'all' (the opt-out the README documents)", async () => {
    const seen = await envSeenByModel({ commandEnvironment: 'all' });
    expect(secretsIn(seen).sort()).toEqual(Object.keys(HOST_SECRETS).sort());
  }, 60_000);
});

describe('security: config secrets stay off the command line', () => {
  it("moves a provider's bearer token to the environment: not in /proc/<pid>/cmdline, still sent to the provider", async () => {
    const token = 'cfg-bearer-test-0123456789abcdefghij';
    await using env = await scripted();
    const { model } = env;
    const codex = await env.start({ config: { model_providers: { [model.providerId]: { experimental_bearer_token: token } } } });
    const cmdline = readFileSync(`/proc/${codex.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('app-server');
    expect(cmdline).not.toContain(token);
    expect(cmdline).not.toContain(token.slice(0, 12));
    model.enqueue(reply.message('hi'));
    await within((await codex.threadStart()).run('hello'), 30_000, 'turn');
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
  }, 60_000);

  it('refuses other secret-looking config values with an InvalidArgumentError that says what to do, before spawning', async () => {
    const cases: Array<[string, ConfigObject]> = [
      ['mcp_servers.gh.bearer_token', { mcp_servers: { gh: { bearer_token: 'x' } } }],
      ['model_providers.azure.query_params.api-key', { 'model_providers.azure.query_params': { 'api-key': 'secret-value' } }],
      ['model_providers.p.http_headers.Authorization', { model_providers: { p: { http_headers: { Authorization: 'Bearer abc' } } } }],
      ['mcp_servers.db.env.DB_PASSWORD', { mcp_servers: { db: { env: { DB_PASSWORD: 'hunter2' } } } }],
    ];
    for (const [key, config] of cases) {
      const error = await Codex.start({ config, codexPath: '/nonexistent/codex' }).catch((e: unknown) => e);
      expect(error, key).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument, key).toBe(`config key "${key}"`);
      expect((error as Error).message, key).toMatch(/command line.*Pass the secret in `env`/);
    }
    // Names of variables and non-secret settings that merely look like secrets pass.
    const plan = planLaunch({
      launchArgs: ['x'],
      config: {
        model_providers: { p: { env_key: 'MY_KEY', env_http_headers: { 'X-Api-Key': 'MY_HEADER_KEY' } } },
        mcp_servers: { gh: { bearer_token_env_var: 'GH_TOKEN', env_vars: ['GH_TOKEN'] } },
        cli_auth_credentials_store: 'file',
        model_auto_compact_token_limit: 1000,
      },
    });
    expect(plan.argv).toContain('model_providers.p.env_key="MY_KEY"');
  });
});

describe('security: a launch the OS refuses', () => {
  it('turns spawn E2BIG (a config value too long for a command line) into a CodexError that says what to do', async () => {
    const error = await Codex.start({ launchArgs: [process.execPath, '-e', ''], config: { developer_instructions: 'x'.repeat(300_000) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CodexError);
    expect((error as Error).message).toMatch(/Could not start the app-server .*E2BIG.*config\.toml/);
    expect(((error as Error).cause as { code?: string }).code).toBe('E2BIG');
  });
});

/** POSTs `size` bytes to the model in 64 KiB writes; resolves with the status (or the socket error once answered). */
function postBytes(url: string, size: number, declareLength: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: declareLength ? { 'content-length': String(size) } : {} }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += piece.length;
        if (!request.write(piece)) {
          request.once('drain', pump);
          return;
        }
      }
      request.end();
    };
    pump();
  });
}

describe('security: the scripted model caps request bodies', () => {
  it('answers 413 to a body over maxBodyBytes, buffers none of it, and serves the next request', async () => {
    await using model = await ScriptedModel.start({ maxBodyBytes: 1_024 });
    const url = `${model.baseUrl}/responses`;
    expect(await postBytes(url, 10_000, true)).toBe(413);
    expect(await postBytes(url, 300_000, false)).toBe(413); // chunked: no length to refuse up front
    expect(model.requests).toHaveLength(0);
    expect(model.otherRequests.map((r) => r.reply)).toEqual(['body too large', 'body too large']);
    expect(await postBytes(url, 100, true)).toBe(501); // under the cap: a model request (none queued)
    expect(model.requests).toHaveLength(1);
  });

  it(`has a finite default cap (${DEFAULT_MAX_BODY_BYTES} bytes)`, async () => {
    await using model = await ScriptedModel.start();
    expect(await postBytes(`${model.baseUrl}/responses`, DEFAULT_MAX_BODY_BYTES + 1, false)).toBe(413);
    expect(model.requests).toHaveLength(0);
  });
});

describe('security: localImage() paths are checked before the turn is sent', () => {
  it('refuses a FIFO, a directory, a missing, relative or oversized file; the thread runs on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-local-image-'));
    try {
      const fifo = path.join(dir, 'pipe.png');
      execFileSync('mkfifo', [fifo]);
      const big = path.join(dir, 'big.png');
      writeFileSync(big, '');
      truncateSync(big, MAX_LOCAL_IMAGE_BYTES + 1); // sparse: costs no disk
      const good = path.join(dir, 'ok.png');
      writeFileSync(good, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
      await using env = await scripted();
      const { codex, model } = env;
      const thread = await codex.threadStart();
      const cases: Array<[string, RegExp]> = [
        [fifo, /not a regular file \(a FIFO\)/],
        [dir, /not a regular file \(a directory\)/],
        [path.join(dir, 'missing.png'), /cannot be read \(ENOENT\)/],
        ['relative.png', /must be absolute/],
        [big, /over the \d+-byte limit/],
      ];
      for (const [file, problem] of cases) {
        const error = await within(thread.run([text('look'), localImage(file)]), 5_000, file).catch((e: unknown) => e);
        expect(error, file).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message, file).toMatch(problem);
        expect((error as InvalidArgumentError).argument).toBe('input[1] path');
      }
      expect(model.requests).toHaveLength(0); // nothing reached the model
      model.enqueue(reply.message('one pixel'));
      const result = await within(thread.run([text('look'), localImage(good)]), 30_000, 'good image');
      expect(result.finalResponse).toBe('one pixel');
      expect(model.requests[0]!.userImages).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
