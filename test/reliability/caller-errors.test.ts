import { describe, expect, it } from 'vitest';
import {
  Codex,
  CodexError,
  InvalidArgumentError,
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  retryOnOverload,
  text,
} from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';
import { recordFigures, settlement, within } from '../helpers/reliability.js';

// Invalid arguments to the public API, on the real binary: each gives a typed error that names
// the problem, either before anything is sent (InvalidArgumentError, naming the argument) or
// from the server (a JsonRpcError subclass with the server's message), and never a hang.

const UNKNOWN_THREAD = '019a0000-0000-7000-8000-000000000000';
// Deliberately wrong types, as JavaScript callers (or `any`) can pass them.
const bad = <T>(value: unknown): T => value as T;

interface Case {
  readonly name: string;
  readonly call: () => Promise<unknown>;
  /** The error class expected, and text its message must contain. */
  readonly error: new (...args: never[]) => CodexError;
  readonly mentions: string;
  /** For InvalidArgumentError: the argument it names. */
  readonly argument?: string;
}

describe('reliability: invalid arguments from the caller', () => {
  it('gives a typed error naming the problem for every invalid argument, and never hangs', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const thread = await codex.threadStart();
    model.enqueue(reply.message('a real turn'));
    const turn = await thread.turn('a turn to steer afterwards');
    await turn.run();
    const requestsBefore = model.requests.length;

    const cases: Case[] = [
      // Turn input
      { name: 'empty string input', call: () => thread.turn(''), error: InvalidArgumentError, argument: 'input', mentions: 'empty string' },
      { name: 'empty array input', call: () => thread.run([]), error: InvalidArgumentError, argument: 'input', mentions: 'empty array' },
      { name: 'number input', call: () => thread.turn(bad(42)), error: InvalidArgumentError, argument: 'input', mentions: 'got number' },
      { name: 'null input', call: () => thread.turn(bad(null)), error: InvalidArgumentError, argument: 'input', mentions: 'got null' },
      { name: 'undefined input', call: () => thread.turn(bad(undefined)), error: InvalidArgumentError, argument: 'input', mentions: 'got undefined' },
      { name: 'item of unknown type', call: () => thread.turn(bad({ type: 'video', url: 'x' })), error: InvalidArgumentError, argument: 'input', mentions: '"video"' },
      { name: 'text item without text', call: () => thread.turn(bad({ type: 'text' })), error: InvalidArgumentError, argument: 'input', mentions: 'without a string `text`' },
      { name: 'bad second item', call: () => thread.turn(bad([text('ok'), 7])), error: InvalidArgumentError, argument: 'input[1]', mentions: 'got number' },
      { name: 'steer with empty input', call: () => turn.steer(''), error: InvalidArgumentError, argument: 'input', mentions: 'empty string' },
      // Turn options
      { name: 'null turn options', call: () => thread.turn('hi', bad(null)), error: InvalidArgumentError, argument: 'options', mentions: 'must be an object' },
      { name: 'string turn options', call: () => thread.run('hi', bad('fast')), error: InvalidArgumentError, argument: 'options', mentions: 'must be an object' },
      { name: 'unknown approvalMode', call: () => thread.turn('hi', { approvalMode: bad('sometimes') }), error: InvalidArgumentError, argument: 'approvalMode', mentions: '"sometimes"' },
      { name: 'unknown sandbox', call: () => thread.turn('hi', { sandbox: bad('sandcastle') }), error: InvalidArgumentError, argument: 'sandbox', mentions: '"sandcastle"' },
      { name: 'signal that is not an AbortSignal', call: () => thread.turn('hi', { signal: bad({ aborted: false }) }), error: InvalidArgumentError, argument: 'signal', mentions: 'AbortSignal' },
      { name: 'timeoutMs as a string', call: () => thread.turn('hi', { timeoutMs: bad('soon') }), error: InvalidArgumentError, argument: 'timeoutMs', mentions: 'positive number' },
      { name: 'negative timeoutMs', call: () => thread.run('hi', { timeoutMs: -5 }), error: InvalidArgumentError, argument: 'timeoutMs', mentions: 'positive number' },
      // Requests
      { name: 'empty method', call: () => codex.rawRequest('', {}), error: InvalidArgumentError, argument: 'method', mentions: 'non-empty string' },
      { name: 'method not a string', call: () => codex.rawRequest(bad(7), {}), error: InvalidArgumentError, argument: 'method', mentions: 'non-empty string' },
      { name: 'null request options', call: () => codex.request('thread/list', {}, bad(null)), error: InvalidArgumentError, argument: 'options', mentions: 'must be an object' },
      { name: 'NaN timeoutMs', call: () => codex.request('thread/list', {}, { timeoutMs: NaN }), error: InvalidArgumentError, argument: 'timeoutMs', mentions: 'positive number' },
      { name: 'zero timeoutMs', call: () => codex.request('thread/list', {}, { timeoutMs: 0 }), error: InvalidArgumentError, argument: 'timeoutMs', mentions: 'positive number' },
      { name: 'request signal not an AbortSignal', call: () => codex.request('thread/list', {}, { signal: bad('stop') }), error: InvalidArgumentError, argument: 'signal', mentions: 'AbortSignal' },
      { name: 'notifications signal not an AbortSignal', call: async () => codex.notifications({ signal: bad({}) }), error: InvalidArgumentError, argument: 'signal', mentions: 'AbortSignal' },
      { name: 'retryOnOverload without a function', call: () => retryOnOverload(bad('thread/list')), error: InvalidArgumentError, argument: 'fn', mentions: 'function' },
      // Thread ids
      { name: 'empty thread id', call: () => codex.threadResume(''), error: InvalidArgumentError, argument: 'threadId', mentions: 'non-empty string' },
      { name: 'thread id not a string', call: () => codex.threadFork(bad(12)), error: InvalidArgumentError, argument: 'threadId', mentions: 'non-empty string' },
      { name: 'empty API key', call: () => codex.loginApiKey(''), error: InvalidArgumentError, argument: 'apiKey', mentions: 'non-empty string' },
      { name: 'thread name of the wrong type', call: () => thread.setName(bad(123)), error: InvalidArgumentError, argument: 'name', mentions: 'must be a string' },
      // From the server
      { name: 'resume an unknown thread', call: () => codex.threadResume(UNKNOWN_THREAD), error: InvalidRequestError, mentions: `no rollout found for thread id ${UNKNOWN_THREAD}` },
      { name: 'fork an unknown thread', call: () => codex.threadFork(UNKNOWN_THREAD), error: InvalidRequestError, mentions: UNKNOWN_THREAD },
      { name: 'archive an unknown thread', call: () => codex.threadArchive(UNKNOWN_THREAD), error: InvalidRequestError, mentions: UNKNOWN_THREAD },
      { name: 'read an unknown thread', call: () => codex.request('thread/read', { threadId: UNKNOWN_THREAD }), error: InvalidRequestError, mentions: UNKNOWN_THREAD },
      { name: 'turn on an unknown thread', call: () => codex.request('turn/start', { threadId: UNKNOWN_THREAD, input: [text('hi')] }), error: InvalidRequestError, mentions: `thread not found: ${UNKNOWN_THREAD}` },
      { name: 'malformed thread id', call: () => codex.threadResume('not-a-thread-id'), error: InvalidRequestError, mentions: 'invalid session id' },
      { name: 'steer a finished turn', call: () => turn.steer('too late'), error: InvalidRequestError, mentions: '' },
      { name: 'interrupt with no turn running', call: () => codex.request('turn/interrupt', { threadId: thread.id, turnId: turn.id }), error: InvalidRequestError, mentions: '' },
      { name: 'unknown method', call: () => codex.rawRequest('no/such/method', {}), error: MethodNotFoundError, mentions: 'no/such/method' },
      { name: 'params of the wrong shape', call: () => codex.rawRequest('thread/start', 'not an object'), error: InvalidParamsError, mentions: 'ThreadStartParams' },
    ];

    const outcomes = [];
    for (const c of cases) {
      const outcome = await within(settlement(c.call()), 10_000, c.name);
      outcomes.push({ name: c.name, outcome });
      expect(outcome.ok, `${c.name} should fail`).toBe(false);
      expect(outcome.error, c.name).toBeInstanceOf(c.error);
      expect((outcome.error as Error).message, c.name).toContain(c.mentions);
      if (c.argument !== undefined) expect((outcome.error as InvalidArgumentError).argument, c.name).toBe(c.argument);
    }
    // None of the invalid turns reached the model, and the thread still works.
    expect(model.requests.length).toBe(requestsBefore);
    model.enqueue(reply.message('still fine'));
    expect((await within(thread.run('after all that'), 10_000, 'a valid turn')).finalResponse).toBe('still fine');
    recordFigures('caller-errors', {
      cases: cases.length,
      rejectedBeforeSending: cases.filter((c) => c.error === InvalidArgumentError).length,
      rejectedByServer: cases.filter((c) => c.error !== InvalidArgumentError).length,
      hung: 0,
    });
  }, 60_000);

  it('refuses invalid start options before spawning anything', async () => {
    const cases: Array<[string, Parameters<typeof Codex.start>[0], string, string]> = [
      ['options null', bad(null), 'options', 'must be an object'],
      ['requestTimeoutMs negative', { requestTimeoutMs: -1 }, 'requestTimeoutMs', 'positive number'],
      ['maxInFlightRequests zero', { maxInFlightRequests: 0 }, 'maxInFlightRequests', 'positive number'],
      ['codexPath empty', { codexPath: '' }, 'codexPath', 'non-empty string'],
      ['launchArgs with a number', { launchArgs: bad(['node', 5]) }, 'launchArgs', 'array of strings'],
      ['launchArgs empty', { launchArgs: [] }, 'launchArgs', 'must not be empty'],
      ['launchArgs with a NUL', { launchArgs: ['node', 'a\0b'] }, 'launchArgs', 'NUL'],
      ['cwd with a NUL', { cwd: '/tmp\0/x' }, 'cwd', 'NUL'],
      ['env value with a NUL', { env: { SOME_VAR: 'a\0b' } }, 'env.SOME_VAR', 'NUL'],
      ['env value a number', { env: bad({ SOME_VAR: 5 }) }, 'env.SOME_VAR', 'must be a string'],
      ['config a string', { config: bad('model=o3') }, 'config', 'must be an object'],
      ['config an array', { config: bad([['model', 'o3']]) }, 'config', 'must be an object'],
      ['config key with a space', { config: { 'bad key': 1 } }, 'config key "bad key"', 'letters, digits'],
      ['config value null', { config: { model: bad(null) } }, 'config value of "model"', 'null'],
      ['config value with a lone surrogate', { config: { model: '\ud800' } }, 'config value of "model"', 'lone surrogate'],
      ['optOutNotificationMethods a string', { optOutNotificationMethods: bad('item/agentMessage/delta') }, 'optOutNotificationMethods', 'array of strings'],
      ['env a string', { env: bad('A=1') }, 'env', 'must be an object'],
      ['signal not an AbortSignal', { signal: bad({ aborted: false }) }, 'signal', 'AbortSignal'],
      ['a handler that is not a function', { onServerRequest: bad({ 'item/commandExecution/requestApproval': 'accept' }) }, 'onServerRequest["item/commandExecution/requestApproval"]', 'function'],
    ];
    for (const [name, options, argument, mentions] of cases) {
      const outcome = await within(settlement(Codex.start(options)), 10_000, name);
      if (outcome.ok) await outcome.value!.close();
      expect(outcome.ok, name).toBe(false);
      expect(outcome.error, name).toBeInstanceOf(InvalidArgumentError);
      expect((outcome.error as InvalidArgumentError).argument, name).toBe(argument);
      expect((outcome.error as Error).message, name).toContain(mentions);
    }
    recordFigures('caller-errors-start', { cases: cases.length });
  });
});
