import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Codex,
  JsonRpcError,
  ProtocolError,
  TransportClosedError,
  TurnFailedError,
  type ServerRequestHandlers,
  type ThreadItem,
} from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { redact, StderrTail } from '../../src/transport/stderr-tail.js';
import { formatTomlString, formatTomlValue } from '../../src/transport/toml.js';
import { startFake } from '../helpers/fake-server.js';
import { scripted } from '../helpers/scripted.js';
import { captureWarnings } from '../helpers/leaks.js';
import { recordFigures, settlement, within } from '../helpers/reliability.js';

// Security: the binary is spawned without a shell and config values cannot inject keys;
// secrets never reach error messages, stderr tails, error events or warnings; approvals fail
// closed.

const workspace = mkdtempSync(path.join(os.tmpdir(), 'sdk-security-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
const marker = (name: string): string => path.join(workspace, name);

/** Strings a shell or a TOML writer could trip on. */
const HOSTILE = [
  'two words',
  'double "quoted" and \'single\'',
  `; touch ${marker('semicolon')}`,
  `$(touch ${marker('subshell')})`,
  `\`touch ${marker('backtick')}\``,
  `&& touch ${marker('and')} | cat > ${marker('pipe')}`,
  'line one\nline two\r\nline three',
  'x"\nmodel_provider = "evil"\n[features]\nplugins = true',
  "x'''\nmodel_provider = 'evil'",
  'back\\slash \\" \\n \\u0041',
  'tab\there, nul \u0000, bell \u0007, del \u007f, nbsp \u00a0, line sep \u2028',
  'unicode é 中文 😀',
  '#not a comment',
  '=equals=',
  '',
  ' ',
];

/** The flags every launch starts with: model-run commands get the core environment only. */
const DEFAULT_POLICY = ['--config', 'shell_environment_policy.inherit="core"'];

/** As launch arguments: the OS cannot pass a NUL, so that one goes as a config value only. */
const HOSTILE_ARGS = HOSTILE.map((s) => s.replace('\u0000', '\\0'));

describe('reliability: the binary is spawned without a shell', () => {
  it('passes each config value as one literal --config argument', async () => {
    const config = { model: HOSTILE[7]!, nested: { value: HOSTILE[2]!, list: HOSTILE.slice(0, 4) } };
    await using codex = await startFake({ 'x/argv': [{ replyArgv: true }] }, { config });
    const { argv } = (await codex.rawRequest('x/argv', {})) as { argv: string[] };
    expect(argv).toEqual([
      ...DEFAULT_POLICY,
      '--config',
      `model=${formatTomlString(config.model)}`,
      '--config',
      `nested.value=${formatTomlString(config.nested.value)}`,
      '--config',
      `nested.list=${formatTomlValue(config.nested.list)}`,
    ]);
  });

  it('hands every hostile string to the process unchanged, and runs none of them', async () => {
    const fakeServer = path.join(import.meta.dirname, '../fixtures/fake-app-server.mjs');
    const script = JSON.stringify({ 'x/argv': [{ replyArgv: true }] });
    await using codex = await Codex.start({
      launchArgs: [process.execPath, fakeServer, script, ...HOSTILE_ARGS],
      config: { developer_instructions: HOSTILE[10]! },
      cwd: workspace,
      onWarning: () => undefined,
    });
    const { argv, cwd } = (await codex.rawRequest('x/argv', {})) as { argv: string[]; cwd: string };
    expect(argv).toEqual([...HOSTILE_ARGS, ...DEFAULT_POLICY, '--config', `developer_instructions=${formatTomlString(HOSTILE[10]!)}`]);
    expect(cwd).toBe(workspace);
    for (const name of ['semicolon', 'subshell', 'backtick', 'and', 'pipe']) expect(existsSync(marker(name)), name).toBe(false);
  });

  it('writes any string as a TOML basic string that reads back the same and stays on one line', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom(...HOSTILE)), (value) => {
        const hasLoneSurrogate = /\p{Surrogate}/u.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
        if (hasLoneSurrogate) {
          expect(() => formatTomlString(value)).toThrow(/lone surrogate/);
          return;
        }
        const toml = formatTomlString(value);
        expect([...toml].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
        expect(parseTomlBasicString(toml)).toBe(value);
        checked++;
      }),
      { numRuns: 1_000 },
    );
    recordFigures('security-toml-property', { runs: checked });
  });

  it('lets the real codex read hostile config values back exactly, with no key injected', async () => {
    await using env = await scripted({
      codex: { config: { developer_instructions: HOSTILE[7]!, instructions: HOSTILE[8]!, notify: HOSTILE.filter((s) => s !== '') } },
    });
    const { config } = (await env.codex.request('config/read', {})) as { config: Record<string, unknown> };
    expect(config.developer_instructions).toBe(HOSTILE[7]);
    expect(config.instructions).toBe(HOSTILE[8]);
    expect(config.notify).toEqual(HOSTILE.filter((s) => s !== ''));
    expect(config.model_provider).toBe(env.model.providerId);
    expect((config.features as Record<string, unknown>).plugins).toBe(false);
  });
});

/** A reader for exactly what formatTomlString writes: a TOML basic string (TOML 1.0, §String). */
function parseTomlBasicString(toml: string): string {
  if (!toml.startsWith('"') || !toml.endsWith('"') || toml.length < 2) throw new Error(`not a basic string: ${toml}`);
  const body = toml.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') throw new Error(`unescaped quote at ${i}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'u') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e === 'U') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
      i += 8;
    } else throw new Error(`bad escape \\${e}`);
  }
  return out;
}

// ---------- Secrets ----------

const OPENAI_KEY = 'sk-openai-test-0123456789abcdefABCDEF';
const CODEX_KEY = 'sk-codex-test-9876543210fedcbaFEDCBA';
const LOGIN_KEY = 'sk-login-test-55555555555555555555';
const CONFIG_TOKEN = 'cfg-token-test-77777777777777777777';
const SECRETS = [OPENAI_KEY, CODEX_KEY, LOGIN_KEY, CONFIG_TOKEN];
const PIECE = 12;

/** Every string reachable from an error: message, stack, own string fields, causes. */
function textsOf(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const texts: string[] = [];
  if (value instanceof Error) texts.push(value.message, value.stack ?? '', ...textsOf(value.cause, seen));
  for (const member of Object.values(value)) texts.push(...textsOf(member, seen));
  return texts;
}

function leaked(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const text of values.flatMap((v) => textsOf(v))) {
    for (const secret of SECRETS) {
      // A whole secret, or any piece of one 12 characters long (what a cut line start keeps).
      for (let at = 0; at + PIECE <= secret.length; at++) {
        if (text.includes(secret.slice(at, at + PIECE))) {
          out.push(`${secret.slice(at, at + PIECE)} in ${JSON.stringify(text.slice(0, 120))}`);
          break;
        }
      }
    }
  }
  return out;
}

describe('reliability: secrets never leak', () => {
  it('keeps API keys, the login key and config tokens out of errors, error events, warnings and stderr tails', async () => {
    const echoAll = '$env.OPENAI_API_KEY $env.CODEX_API_KEY $params';
    const padded = 'p'.repeat(170);
    const warnings = captureWarnings();
    const codex = await startFake(
      {
        'account/login/start': [
          // The server echoes what it got everywhere it can.
          { echo: { to: 'stderr', text: `login request: ${echoAll}\n` } },
          { echo: { to: 'stdout', text: `not json: ${echoAll}\n` } },
          // A line whose 200-character start cuts the key in two.
          { echo: { to: 'stdout', text: `${padded} $env.OPENAI_API_KEY\n` } },
          { echo: { to: 'stdout', text: `["an array with", $params]\n` } },
          { echo: { to: 'stdout', text: `{"id":123456,"result":$params}\n` } },
          { echo: { to: 'error', text: `refused: ${echoAll}` } },
        ],
        'x/argv': [{ echo: { to: 'stderr', text: 'argv: $params\n' } }, { replyArgv: true }],
        'x/die': [{ echo: { to: 'stderr', text: `dying with ${echoAll}\n` } }, { exit: 3 }],
      },
      {
        env: { OPENAI_API_KEY: OPENAI_KEY, CODEX_API_KEY: CODEX_KEY },
        config: { model_providers: { custom: { experimental_bearer_token: CONFIG_TOKEN } } },
        // No error listener: protocol errors become process warnings, which must be clean too.
        onWarning: undefined,
      },
    );
    const events: ProtocolError[] = [];
    const login = await settlement(codex.loginApiKey(LOGIN_KEY));
    expect(login.ok).toBe(false);
    expect(login.error).toBeInstanceOf(JsonRpcError);
    expect((login.error as Error).message).toContain('refused: [REDACTED] [REDACTED]');
    // With a listener this time.
    codex.on('error', (error) => events.push(error));
    await settlement(codex.loginApiKey(LOGIN_KEY));
    const { argv } = (await codex.rawRequest('x/argv', { echo: CONFIG_TOKEN })) as { argv: string[] };
    // The token went to the server's environment, named by env_key, not on its command line.
    expect(argv.join(' ')).not.toContain(CONFIG_TOKEN);
    expect(argv).toContain('model_providers.custom.env_key="CODEX_SDK_PROVIDER_CUSTOM_TOKEN"');
    const died = await settlement(codex.rawRequest('x/die', {}));
    warnings.stop();
    const closed = died.error as TransportClosedError;
    expect(closed).toBeInstanceOf(TransportClosedError);
    expect(closed.stderrTail).toContain('dying with [REDACTED]');
    expect(closed.stderrTail).toContain('login request: [REDACTED]');
    expect(events.map((e) => e.kind)).toEqual(['invalidJson', 'invalidJson', 'invalidMessage', 'unexpectedResponse']);
    const protocolWarnings = warnings.warnings.filter((w) => (w as Error & { code?: string }).code?.startsWith('CODEX_SDK_'));
    expect(protocolWarnings.length).toBe(4);
    expect(leaked([login.error, closed, closed.stderrTail, ...events, ...protocolWarnings])).toEqual([]);
    await codex.close();
    recordFigures('security-secrets-fake', {
      checkedErrors: 2,
      checkedEvents: events.length,
      checkedWarnings: protocolWarnings.length,
      leaks: 0,
    });
  });

  it('keeps the provider key out of a failed turn whose provider echoes it, and out of codex’s own logs', async () => {
    await using env = await scripted({
      home: { extraConfig: { model_providers: { mock: { env_key: 'OPENAI_API_KEY' } } } },
      codex: { env: { OPENAI_API_KEY: OPENAI_KEY, CODEX_API_KEY: CODEX_KEY, RUST_LOG: 'trace' } },
    });
    const { codex, model } = env;
    await codex.loginApiKey(LOGIN_KEY);
    const thread = await codex.threadStart();
    model.enqueue(reply.httpError(401, { message: `Incorrect API key provided: ${OPENAI_KEY}` }));
    const notifications: unknown[] = [];
    const turn = await thread.turn('hello');
    for await (const n of turn) notifications.push(n);
    const failed = await settlement(turn.run());
    expect(failed.error).toBeInstanceOf(TurnFailedError);
    expect((failed.error as Error).message).toContain('Incorrect API key provided: [REDACTED]');
    // The key did reach the provider: codex used it.
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    process.kill(codex.pid!, 'SIGKILL');
    const closed = await settlement(codex.request('thread/list', {}));
    const tail = (closed.error as TransportClosedError).stderrTail;
    expect(tail.length).toBeGreaterThan(1_000); // trace logging was on
    expect(leaked([failed.error, closed.error, notifications])).toEqual([]);
    recordFigures('security-secrets-real', { stderrTailChars: tail.length, leaks: 0 });
  });
});

describe('reliability: redaction at the edges', () => {
  it('leaves no piece of a secret where the stderr tail is cut, nor of a longer secret that contains a shorter one', () => {
    const short = 'sk-abcdefgh';
    const long = `${short}-0123456789-tail`;
    // The shorter secret is listed first: redacting it first would leave the rest of the longer one.
    const tail = new StderrTail(40, [short, long]);
    tail.append(`${'x'.repeat(30)}${long} and then some more text`);
    const text = tail.read();
    expect(text.length).toBeLessThanOrEqual(40);
    for (const piece of ['0123456789', 'abcdefgh', '-tail']) expect(text, piece).not.toContain(piece);
    expect(redact(`key=${long}`, [short, long])).toBe('key=[REDACTED]');
  });
});

// ---------- Approvals fail closed ----------

const commandItem = (items: readonly ThreadItem[]) => items.find((item) => item.type === 'commandExecution');
const escalated = (cmd: string) => reply.shell(cmd, { extraArguments: { sandbox_permissions: 'require_escalated', justification: 'needs to write' } });

describe('reliability: approvals fail closed', () => {
  it('declines what nobody approves, and the command never runs', async () => {
    const ran: string[] = [];
    const asked: string[] = [];
    const cases: Array<{ name: string; thread: Record<string, unknown>; reply: ReturnType<typeof reply.shell>; handlers?: ServerRequestHandlers }> = [
      { name: 'no-handler-untrusted', thread: { approvalPolicy: 'untrusted', approvalsReviewer: 'user' }, reply: reply.shell(`touch ${marker('no-handler-untrusted')}`) },
      { name: 'no-handler-ask', thread: { approvalMode: 'ask', sandbox: 'read-only' }, reply: escalated(`touch ${marker('no-handler-ask')}`) },
      {
        name: 'handler-returns-nothing',
        thread: { approvalMode: 'ask', sandbox: 'read-only' },
        reply: escalated(`touch ${marker('handler-returns-nothing')}`),
        handlers: { 'item/commandExecution/requestApproval': () => void asked.push('nothing') as never },
      },
      {
        name: 'handler-throws',
        thread: { approvalMode: 'ask', sandbox: 'read-only' },
        reply: escalated(`touch ${marker('handler-throws')}`),
        handlers: {
          'item/commandExecution/requestApproval': () => {
            asked.push('throws');
            throw new Error('handler bug');
          },
        },
      },
    ];
    await using env = await scripted();
    const { codex, model } = env;
    const errors: ProtocolError[] = [];
    codex.on('error', (error) => errors.push(error));
    const drain = await codex.threadStart();
    for (const c of cases) {
      const thread = await codex.threadStart({ cwd: workspace, ...c.thread, ...(c.handlers ? { onServerRequest: c.handlers } : {}) });
      model.enqueue(c.reply, reply.message('I did not run it'));
      const result = await within(thread.run('please do it'), 20_000, c.name);
      expect(commandItem(result.items), c.name).toMatchObject({ status: 'declined' });
      if (existsSync(marker(c.name))) ran.push(c.name);
      // Where `cancel` was the safe answer, the turn stopped there and its follow-up reply is left.
      while (model.pendingReplies > 0) await within(drain.run('use up the reply'), 20_000, 'drain');
    }
    // And a patch nobody approves is not applied.
    const patchThread = await codex.threadStart({ cwd: workspace, approvalPolicy: 'untrusted', approvalsReviewer: 'user' });
    model.enqueue(reply.patch([{ type: 'add', path: 'unapproved.txt', contents: 'no\n' }]), reply.message('not patched'));
    const patched = await within(patchThread.run('patch it'), 20_000, 'patch');
    expect(patched.items.find((i) => i.type === 'fileChange'), 'file change').toMatchObject({ status: 'declined' });
    if (existsSync(path.join(workspace, 'unapproved.txt'))) ran.push('patch');

    expect(ran).toEqual([]);
    expect(asked).toEqual(['nothing', 'throws']);
    expect(errors.map((e) => e.kind)).toEqual(['handlerFailed']);
    recordFigures('security-approvals', { approvalsDeclined: cases.length + 1, commandsRun: ran.length });
  }, 60_000);
});
