import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRIPTED_USAGE,
  RecordedRequest,
  ScriptedModel,
  ScriptedModelError,
  applyPatchCommand,
  formatPatch,
  formatSseEvent,
  formatTomlDocument,
  formatTomlKey,
  formatTomlString,
  formatTomlValue,
  output,
  reply,
  type ScriptedReply,
  type TomlValue,
} from '../../src/testing.js';

interface ParsedEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Parses an SSE body: `event:` / `data:` lines, frames separated by a blank line. */
function parseSse(text: string): ParsedEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.length > 0)
    .map((frame) => {
      const lines = frame.split('\n');
      expect(lines).toHaveLength(2);
      const [eventLine, dataLine] = lines as [string, string];
      expect(eventLine.startsWith('event: ')).toBe(true);
      expect(dataLine.startsWith('data: ')).toBe(true);
      const data = JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>;
      const event = eventLine.slice('event: '.length);
      expect(data['type']).toBe(event);
      return { event, data };
    });
}

const models: ScriptedModel[] = [];

async function startModel(...replies: ScriptedReply[]): Promise<ScriptedModel> {
  const model = await ScriptedModel.start();
  models.push(model);
  return model.enqueue(...replies);
}

function post(model: ScriptedModel, body: unknown = { model: 'mock-model', input: [] }, init: RequestInit = {}): Promise<Response> {
  return fetch(`${model.baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function events(model: ScriptedModel, body?: unknown): Promise<ParsedEvent[]> {
  const res = await post(model, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  return parseSse(await res.text());
}

/** Reads a streamed body until `predicate` holds for the text so far. */
async function readUntil(res: Response, predicate: (text: string) => boolean): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!predicate(text)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`stream ended early after: ${text}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return { text, reader };
}

async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  const decoder = new TextDecoder();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return text;
    text += decoder.decode(chunk.value, { stream: true });
  }
}

afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.close()));
});

describe('TOML serializer', () => {
  const hostile = [
    'plain',
    '',
    'say "hi"',
    'C:\\path\\to\\file',
    'trailing backslash \\',
    '\\"',
    'line1\nline2\r\nline3',
    'tab\tbell\u0007nul\u0000 esc\u001b del\u007f unit-sep\u001f',
    'backspace\b formfeed\f',
    '"""triple""" and \'\'\'single\'\'\'',
    'é ü 中文 😀 \u2028 \u2029',
    'key = "value"\n[table]\nx = 1',
    'EOF',
  ];

  it.each(hostile)('writes %j as a one-line basic string that reads back exactly', (value) => {
    const toml = formatTomlString(value);
    expect([...toml].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)).toBe(false);
    expect(toml.startsWith('"') && toml.endsWith('"')).toBe(true);
    // A TOML basic string using only \" \\ \b \t \n \f \r \uXXXX escapes is also a JSON string.
    expect(JSON.parse(toml)).toBe(value);
  });

  it('uses the short escapes and \\uXXXX for other control characters', () => {
    expect(formatTomlString('a"b\\c\nd\te\rf\bg\fh')).toBe('"a\\"b\\\\c\\nd\\te\\rf\\bg\\fh"');
    expect(formatTomlString('\u0000\u001f\u007f')).toBe('"\\u0000\\u001F\\u007F"');
    expect(formatTomlString('😀')).toBe('"😀"');
  });

  it('refuses lone surrogates, which TOML cannot hold', () => {
    expect(() => formatTomlString('a\ud800b')).toThrow(TypeError);
    expect(() => formatTomlString('\udc00')).toThrow(/lone surrogate/);
    expect(() => formatTomlString('end\ud83d')).toThrow(TypeError);
  });

  it('formats numbers, booleans, arrays and inline tables', () => {
    expect(formatTomlValue(0)).toBe('0');
    expect(formatTomlValue(-42)).toBe('-42');
    expect(formatTomlValue(1.5)).toBe('1.5');
    expect(formatTomlValue(1e-7)).toBe('1e-7');
    expect(formatTomlValue(Infinity)).toBe('inf');
    expect(formatTomlValue(-Infinity)).toBe('-inf');
    expect(formatTomlValue(Number.NaN)).toBe('nan');
    expect(formatTomlValue(12345678901234567890n)).toBe('12345678901234567890');
    expect(formatTomlValue(true)).toBe('true');
    expect(formatTomlValue(false)).toBe('false');
    expect(formatTomlValue([])).toBe('[]');
    expect(formatTomlValue(['a"', 1, [true]])).toBe('["a\\"", 1, [true]]');
    expect(formatTomlValue({})).toBe('{}');
    expect(formatTomlValue({ a: 1, 'b.c': 'x', skipped: undefined, nested: { d: [1, 2] } })).toBe(
      '{ a = 1, "b.c" = "x", nested = { d = [1, 2] } }',
    );
  });

  it('refuses values TOML has no form for', () => {
    expect(() => formatTomlValue(null as unknown as TomlValue)).toThrow(/null/);
    expect(() => formatTomlValue(undefined as unknown as TomlValue)).toThrow(TypeError);
    expect(() => formatTomlValue((() => 1) as unknown as TomlValue)).toThrow(TypeError);
  });

  it('quotes keys that are not bare', () => {
    expect(formatTomlKey('model_provider')).toBe('model_provider');
    expect(formatTomlKey('A-z_09')).toBe('A-z_09');
    expect(formatTomlKey('a.b')).toBe('"a.b"');
    expect(formatTomlKey('with space')).toBe('"with space"');
    expect(formatTomlKey('')).toBe('""');
    expect(formatTomlKey('q"\n')).toBe('"q\\"\\n"');
  });

  it('writes documents with values first, then sections, skipping headers of tables that only hold tables', () => {
    const text = formatTomlDocument({
      features: { plugins: false },
      model: 'm "1"',
      list: [1, { inline: true }],
      absent: undefined,
      model_providers: { 'my.provider': { base_url: 'http://127.0.0.1:1/v1', retries: 0 } },
      empty: {},
    });
    expect(text).toBe(
      [
        'model = "m \\"1\\""',
        'list = [1, { inline = true }]',
        '',
        '[features]',
        'plugins = false',
        '',
        '[model_providers."my.provider"]',
        'base_url = "http://127.0.0.1:1/v1"',
        'retries = 0',
        '',
        '[empty]',
        '',
      ].join('\n'),
    );
  });
});

describe('SSE framing', () => {
  it('frames an event as an event line and a one-line JSON data line', () => {
    const frame = formatSseEvent({ type: 'response.output_text.delta', delta: 'a\nb "c"' });
    expect(frame).toBe('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"a\\nb \\"c\\""}\n\n');
    expect(parseSse(frame)).toEqual([{ event: 'response.output_text.delta', data: { type: 'response.output_text.delta', delta: 'a\nb "c"' } }]);
  });

  it('refuses an event type with a line break', () => {
    expect(() => formatSseEvent({ type: 'a\nb' })).toThrow(TypeError);
  });
});

describe('reply and output builders', () => {
  it('splits message text into the requested number of deltas, never inside a code point', () => {
    const item = output.message('ab😀cd', { deltas: 3, id: 'msg_x' });
    const deltas = item.events(0).filter((event) => event.type === 'response.output_text.delta').map((event) => event['delta']);
    expect(deltas).toEqual(['a', 'b😀', 'cd']);
    expect(output.message('hi', { deltas: 5 }).events(0).filter((e) => e.type === 'response.output_text.delta')).toHaveLength(2);
    expect(output.message('', { deltas: 3 }).events(0).map((e) => e.type)).toEqual([
      'response.output_item.added',
      'response.output_item.done',
    ]);
    expect(() => output.message('x', { deltas: 0 })).toThrow(RangeError);
  });

  it('streams explicit chunks as they are', () => {
    const item = output.message(['Hel', 'lo', '!'], { phase: 'commentary' });
    const all = item.events(2);
    expect(all.filter((e) => e.type === 'response.output_text.delta').map((e) => e['delta'])).toEqual(['Hel', 'lo', '!']);
    expect(all.every((e) => e['output_index'] === 2)).toBe(true);
    expect(all.at(-1)).toMatchObject({ item: { content: [{ type: 'output_text', text: 'Hello!' }], phase: 'commentary' } });
  });

  it('makes exec_command calls with the command and defaults', () => {
    const [done] = output.shell('echo hi', { callId: 'call_1', workdir: '/tmp', extraArguments: { justification: 'why' } }).events(0);
    expect(done).toMatchObject({ type: 'response.output_item.done', item: { type: 'function_call', name: 'exec_command', call_id: 'call_1' } });
    const item = done!['item'] as { arguments: string };
    expect(JSON.parse(item.arguments)).toEqual({ cmd: 'echo hi', workdir: '/tmp', login: false, yield_time_ms: 10_000, justification: 'why' });
  });

  it('formats patches and wraps them in an apply_patch heredoc', () => {
    const patch = formatPatch([
      { type: 'add', path: 'a.txt', contents: 'one\ntwo\n' },
      { type: 'delete', path: 'b.txt' },
      { type: 'update', path: 'c.txt', oldLines: ['old'], newLines: ['new'], moveTo: 'd.txt' },
    ]);
    expect(patch).toBe(
      [
        '*** Begin Patch',
        '*** Add File: a.txt',
        '+one',
        '+two',
        '*** Delete File: b.txt',
        '*** Update File: c.txt',
        '*** Move to: d.txt',
        '@@',
        '-old',
        '+new',
        '*** End Patch',
      ].join('\n'),
    );
    expect(applyPatchCommand(patch)).toBe(`apply_patch <<'EOF'\n${patch}\nEOF`);
    // Added lines start with `+`, so only a hand-written patch can hold a bare delimiter line.
    const tricky = '*** Begin Patch\nEOF\nEOF_1\n*** End Patch';
    expect(applyPatchCommand(tricky)).toBe(`apply_patch <<'EOF_2'\n${tricky}\nEOF_2`);
    const [done] = output.patch([{ type: 'add', path: 'a.txt', contents: 'hi' }]).events(0);
    const args = JSON.parse((done!['item'] as { arguments: string }).arguments) as { cmd: string };
    expect(args.cmd).toBe("apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\nEOF");
  });

  it('validates statuses, delays and counts', () => {
    expect(() => reply.httpError(200)).toThrow(RangeError);
    expect(() => reply.message('x', { delayMs: -1 })).toThrow(RangeError);
    expect(() => reply.drop({ afterEvents: -1 })).toThrow(RangeError);
  });
});

describe('ScriptedModel over HTTP', () => {
  it('listens on 127.0.0.1 with an ephemeral port', async () => {
    const model = await startModel();
    expect(model.baseUrl).toBe(`http://127.0.0.1:${model.port}/v1`);
    expect(model.port).toBeGreaterThan(0);
  });

  it('streams a message: created, added, deltas, done, completed with usage', async () => {
    const model = await startModel(
      reply.message('Hello there!', { deltas: 3, phase: 'final_answer', id: 'msg_1', responseId: 'resp_1', usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 } }),
    );
    const received = await events(model);
    expect(received.map((e) => e.event)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(received[1]!.data).toMatchObject({ output_index: 0, item: { type: 'message', id: 'msg_1', role: 'assistant', phase: 'final_answer', content: [] } });
    expect(received.slice(2, 5).map((e) => e.data['delta']).join('')).toBe('Hello there!');
    expect(received[2]!.data).toMatchObject({ item_id: 'msg_1', output_index: 0, content_index: 0 });
    expect(received[5]!.data).toMatchObject({
      item: { type: 'message', id: 'msg_1', status: 'completed', phase: 'final_answer', content: [{ type: 'output_text', text: 'Hello there!' }] },
    });
    expect(received[6]!.data).toEqual({
      type: 'response.completed',
      response: {
        id: 'resp_1',
        object: 'response',
        status: 'completed',
        usage: {
          input_tokens: 10,
          input_tokens_details: { cached_tokens: 2 },
          output_tokens: 5,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 15,
        },
      },
    });
  });

  it('composes several output items in one response, in order, with their output indexes', async () => {
    const model = await startModel(
      reply.response([output.reasoning(['first', 'second'], { id: 'rs_1', deltas: 2 }), output.message('done', { id: 'msg_2' }), output.shell('ls', { callId: 'call_9' })]),
    );
    const received = await events(model);
    const summary = received.filter((e) => e.event.startsWith('response.reasoning_summary'));
    expect(summary.map((e) => [e.event, e.data['summary_index'], e.data['delta']])).toEqual([
      ['response.reasoning_summary_part.added', 0, undefined],
      ['response.reasoning_summary_text.delta', 0, 'fi'],
      ['response.reasoning_summary_text.delta', 0, 'rst'],
      ['response.reasoning_summary_part.added', 1, undefined],
      ['response.reasoning_summary_text.delta', 1, 'sec'],
      ['response.reasoning_summary_text.delta', 1, 'ond'],
    ]);
    const done = received.filter((e) => e.event === 'response.output_item.done');
    expect(done.map((e) => [e.data['output_index'], (e.data['item'] as { type: string }).type])).toEqual([
      [0, 'reasoning'],
      [1, 'message'],
      [2, 'function_call'],
    ]);
    expect(done[0]!.data['item']).toEqual({ type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'first' }, { type: 'summary_text', text: 'second' }] });
    expect(received.at(-1)!.event).toBe('response.completed');
    // No usage given: the default figures, so that `result.usage` is filled offline.
    expect(received.at(-1)!.data['response']).toMatchObject({
      usage: { input_tokens: DEFAULT_SCRIPTED_USAGE.inputTokens, output_tokens: DEFAULT_SCRIPTED_USAGE.outputTokens, total_tokens: DEFAULT_SCRIPTED_USAGE.totalTokens },
    });
  });

  it('reports no usage when a reply says usage: null', async () => {
    const model = await startModel(reply.message('quiet', { usage: null }), reply.hang({ usage: null }));
    const received = await events(model);
    expect(received.at(-1)!.event).toBe('response.completed');
    expect(received.at(-1)!.data['response']).not.toHaveProperty('usage');
    const hanging = post(model);
    await model.waitForRequests(2);
    model.releaseHanging();
    const afterRelease = parseSse(await (await hanging).text());
    expect(afterRelease.at(-1)!.data['response']).not.toHaveProperty('usage');
  });

  it('answers a request from the enqueueFor queue it matches, before the FIFO queue', async () => {
    const model = await startModel(reply.message('fifo 1'), reply.message('fifo 2'));
    const userMessage = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
    model.enqueueFor({ threadId: 'thread-b' }, reply.message('for b'));
    model.enqueueFor({ prompt: 'deploy' }, reply.message('deploy 1'), reply.message('deploy 2'));
    model.enqueueFor({ where: (r) => r.header('x-pick') === 'me' }, reply.message('picked'));
    model.enqueueFor({ where: () => { throw new Error('a broken predicate'); } }, reply.message('never'));
    expect(model.pendingReplies).toBe(7);
    const text = async (body: unknown, headers: Record<string, string> = {}): Promise<string> => {
      const received = parseSse(await (await post(model, body, { headers: { 'content-type': 'application/json', ...headers } })).text());
      const done = received.find((e) => e.event === 'response.output_item.done')!.data['item'] as { content: { text: string }[] };
      return done.content[0]!.text;
    };
    // By thread: the `thread-id` header, or the body's client_metadata / prompt_cache_key.
    expect(await text({ input: [] }, { 'thread-id': 'thread-a' })).toBe('fifo 1');
    expect(await text({ input: [], prompt_cache_key: 'thread-b' })).toBe('for b');
    // By prompt: the last user message contains it; a queue serves requests in order.
    expect(await text({ input: [userMessage('please deploy now')] })).toBe('deploy 1');
    expect(await text({ input: [userMessage('please deploy now')], client_metadata: { thread_id: 'thread-b' } })).toBe('deploy 2');
    expect(await text({ input: [] }, { 'x-pick': 'me' })).toBe('picked');
    expect(await text({ input: [userMessage('deploy again')] })).toBe('fifo 2');
    expect(model.pendingReplies).toBe(1);
    expect(model.requests.map((r) => r.threadId)).toEqual(['thread-a', 'thread-b', undefined, 'thread-b', undefined, undefined]);
    const res = await post(model);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'ScriptedModel: no reply queued for request #7 (replies wait only for: a custom condition)',
    );
  });

  it('refuses an enqueueFor match without a valid condition, and after close', async () => {
    const model = await startModel();
    expect(() => model.enqueueFor({}, reply.message('x'))).toThrow(/at least one of threadId, prompt or where/);
    expect(() => model.enqueueFor({ threadId: '' }, reply.message('x'))).toThrow(TypeError);
    expect(() => model.enqueueFor({ prompt: 42 as unknown as string }, reply.message('x'))).toThrow(/string or a RegExp/);
    expect(() => model.enqueueFor(null as unknown as { threadId: string }, reply.message('x'))).toThrow(TypeError);
    await model.close();
    expect(() => model.enqueueFor({ threadId: 't' }, reply.message('x'))).toThrow(ScriptedModelError);
  });

  it('answers requests with the queued replies in order and records each one', async () => {
    const model = await startModel(reply.message('first'), reply.httpError(503));
    model.enqueue(reply.message('third'));
    expect(model.pendingReplies).toBe(3);
    const first = await events(model, { n: 1 });
    expect(first.find((e) => e.event === 'response.output_item.done')!.data).toMatchObject({ item: { content: [{ text: 'first' }] } });
    expect((await post(model, { n: 2 })).status).toBe(503);
    const third = await events(model, { n: 3 });
    expect(third.find((e) => e.event === 'response.output_item.done')!.data).toMatchObject({ item: { content: [{ text: 'third' }] } });
    expect(model.pendingReplies).toBe(0);
    expect(model.requests.map((r) => [r.sequence, r.body, r.reply])).toEqual([
      [1, { n: 1 }, 'message'],
      [2, { n: 2 }, 'http 503'],
      [3, { n: 3 }, 'message'],
    ]);
  });

  it('records method, path, headers, raw and parsed body, and the parts of a Responses request', async () => {
    const model = await startModel(reply.message('ok'));
    const body = {
      model: 'mock-model',
      tools: [{ type: 'function', name: 'exec_command' }, { type: 'web_search' }],
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'be nice' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>…</environment_context>' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'look at ' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
            { type: 'input_text', text: 'this' },
          ],
        },
        { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'hi\n' },
        'not an object',
      ],
    };
    await (await post(model, body, { headers: { 'content-type': 'application/json', originator: 'my-test', 'X-Custom': 'yes' } })).text();
    const [request] = await model.waitForRequests(1);
    expect(request).toBeInstanceOf(RecordedRequest);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/responses');
    expect(request!.header('ORIGINATOR')).toBe('my-test');
    expect(request!.headers['x-custom']).toBe('yes');
    expect(request!.body).toEqual(body);
    expect(JSON.parse(request!.bodyText)).toEqual(body);
    expect(request!.model).toBe('mock-model');
    expect(request!.toolNames).toEqual(['exec_command', 'web_search']);
    expect(request!.input).toHaveLength(5);
    expect(request!.userTexts).toEqual(['<environment_context>…</environment_context>', 'look at ', 'this']);
    expect(request!.lastUserText).toBe('look at this');
    expect(request!.userImages).toEqual(['data:image/png;base64,AAAA']);
    expect(request!.functionCallOutputs).toEqual([{ callId: 'call_1', output: 'hi\n' }]);
    expect(request!.functionCallOutput('call_1')?.output).toBe('hi\n');
    expect(request!.functionCallOutput('nope')).toBeUndefined();
    expect(request!.messages('developer')).toHaveLength(1);
  });

  it('keeps a body that is not JSON as text, with empty accessors', async () => {
    const model = await startModel(reply.message('ok'));
    await (await post(model, 'not { json')).text();
    const [request] = model.requests;
    expect(request!.bodyText).toBe('not { json');
    expect(request!.body).toBeUndefined();
    expect(request!.input).toEqual([]);
    expect(request!.userTexts).toEqual([]);
    expect(request!.lastUserText).toBeUndefined();
    expect(request!.model).toBeUndefined();
  });

  it('answers a request with nothing queued with a 501 naming it, and records it', async () => {
    const model = await startModel(reply.message('only one'));
    await (await post(model)).text();
    const res = await post(model);
    expect(res.status).toBe(501);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      error: { message: 'ScriptedModel: no reply queued for request #2', type: 'scripted_model_error', code: 'no_reply_queued' },
    });
    expect(model.requests.map((r) => r.reply)).toEqual(['message', 'no reply queued']);
  });

  it('uses noReplyStatus for requests with nothing queued', async () => {
    const model = await ScriptedModel.start({ noReplyStatus: 501 });
    models.push(model);
    expect((await post(model)).status).toBe(501);
    await expect(ScriptedModel.start({ noReplyStatus: 200 })).rejects.toThrow(RangeError);
  });

  it('sends HTTP errors with a JSON body and retry-after', async () => {
    const model = await startModel(
      reply.httpError(429, { retryAfterSeconds: 7 }),
      reply.httpError(401, { message: 'bad key', headers: { 'x-extra': '1' } }),
      reply.httpError(500, { body: { detail: 'custom' } }),
      reply.httpError(502, { body: 'plain text body' }),
    );
    const rateLimited = await post(model);
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers.get('retry-after')).toBe('7');
    expect(await rateLimited.json()).toEqual({ error: { message: 'ScriptedModel: scripted HTTP 429', type: 'requests', code: 'rate_limit_exceeded' } });
    const unauthorized = await post(model);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-extra')).toBe('1');
    expect(await unauthorized.json()).toEqual({ error: { message: 'bad key', type: 'invalid_request_error', code: null } });
    const custom = await post(model);
    expect(custom.status).toBe(500);
    expect(await custom.json()).toEqual({ detail: 'custom' });
    expect(await (await post(model)).text()).toBe('plain text body');
  });

  it('streams response.failed with the error code and message', async () => {
    const model = await startModel(reply.failed({ code: 'context_length_exceeded', message: 'too long', before: [output.message('partial', { id: 'msg_p' })] }));
    const received = await events(model);
    expect(received.map((e) => e.event)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.output_text.delta',
      'response.output_item.done',
      'response.failed',
    ]);
    expect(received.at(-1)!.data['response']).toMatchObject({ status: 'failed', error: { code: 'context_length_exceeded', message: 'too long' } });
  });

  it('holds a hanging stream open until releaseHanging, then completes it', async () => {
    const model = await startModel(reply.hang({ before: [output.message('before', { id: 'msg_b' })], after: [output.message('after', { id: 'msg_a' })] }));
    const res = await post(model);
    expect(res.status).toBe(200);
    const { text, reader } = await readUntil(res, (t) => t.includes('response.output_item.done'));
    expect(model.hangingCount).toBe(1);
    // Nothing more arrives while held.
    const next = reader.read();
    const raced = await Promise.race([next.then(() => 'data'), new Promise((r) => setTimeout(() => r('quiet'), 100))]);
    expect(raced).toBe('quiet');
    expect(model.releaseHanging()).toBe(1);
    expect(model.hangingCount).toBe(0);
    const first = await next;
    const rest = await readRest(reader, text + (first.done ? '' : new TextDecoder().decode(first.value)));
    const received = parseSse(rest);
    expect(received.filter((e) => e.event === 'response.output_item.done').map((e) => (e.data['item'] as { id: string }).id)).toEqual(['msg_b', 'msg_a']);
    expect(received.filter((e) => e.event === 'response.output_item.done').map((e) => e.data['output_index'])).toEqual([0, 1]);
    expect(received.at(-1)!.event).toBe('response.completed');
    expect(model.releaseHanging()).toBe(0);
  });

  it('cannot miss a release that comes right after the request is seen, even during delayMs', async () => {
    const model = await startModel(reply.hang({ delayMs: 100 }));
    const pending = post(model);
    await model.waitForRequests(1);
    expect(model.releaseHanging()).toBe(1);
    const res = await pending;
    expect(parseSse(await res.text()).map((e) => e.event)).toEqual(['response.created', 'response.completed']);
  });

  it('drops the connection of a released stream when onRelease is drop', async () => {
    const model = await startModel(reply.hang({ onRelease: 'drop' }));
    const res = await post(model);
    const { reader } = await readUntil(res, (t) => t.includes('response.created'));
    model.releaseHanging();
    await expect(readRest(reader, '')).rejects.toThrow();
  });

  it('ends hanging streams and pending delays on close, quickly', async () => {
    const model = await startModel(reply.hang(), reply.message('late', { delayMs: 10_000 }));
    const hanging = await post(model);
    const { reader } = await readUntil(hanging, (t) => t.includes('response.created'));
    const delayed = post(model).then(
      () => 'answered',
      () => 'failed',
    );
    await model.waitForRequests(2);
    const started = Date.now();
    await model.close();
    await expect(readRest(reader, '')).rejects.toThrow();
    expect(await delayed).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('destroys the connection mid-stream for a dropped reply, after the events it names', async () => {
    const model = await startModel(
      reply.drop({ before: [output.message('abcdef', { deltas: 3 })], afterEvents: 3 }),
      reply.drop(),
    );
    const res = await post(model);
    expect(res.status).toBe(200);
    const { text, reader } = await readUntil(res, (t) => t.split('\n\n').length > 3);
    const error = await readRest(reader, text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(parseSse(text).map((e) => e.event)).toEqual(['response.created', 'response.output_item.added', 'response.output_text.delta']);
    await expect((await post(model)).text()).rejects.toThrow();
    expect(model.requests.map((r) => r.reply)).toEqual(['drop', 'drop']);
  });

  it('waits delayMs before the first byte and eventDelayMs between events', async () => {
    const model = await startModel(reply.message('slow', { delayMs: 150 }), reply.message('abc', { deltas: 3, eventDelayMs: 30 }));
    let started = Date.now();
    const res = await post(model);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await res.text();
    started = Date.now();
    await (await post(model)).text();
    // 7 events, 6 gaps of 30 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(170);
  });

  it('sends exactly the given events with reply.events', async () => {
    const model = await startModel(reply.events([{ type: 'response.custom', n: 1 }]));
    expect(await events(model)).toEqual([{ event: 'response.custom', data: { type: 'response.custom', n: 1 } }]);
  });

  it('answers other paths with a JSON 404, recorded apart from model requests', async () => {
    const model = await startModel(reply.message('kept for the model'));
    const res = await fetch(`${model.baseUrl}/models?client_version=1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'ScriptedModel: no route for GET /v1/models', type: 'scripted_model_error', code: 'not_found' } });
    expect((await fetch(`${model.baseUrl}/responses`)).status).toBe(404);
    expect((await post(model, {}, { method: 'PUT' })).status).toBe(404);
    expect(model.requests).toEqual([]);
    expect(model.pendingReplies).toBe(1);
    expect(model.otherRequests.map((r) => [r.sequence, r.method, r.path, r.url, r.reply])).toEqual([
      [1, 'GET', '/v1/models', '/v1/models?client_version=1', 'not found'],
      [2, 'GET', '/v1/responses', '/v1/responses', 'not found'],
      [3, 'PUT', '/v1/responses', '/v1/responses', 'not found'],
    ]);
  });

  it('refuses a websocket upgrade with a 404 at once', async () => {
    const model = await startModel();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: model.port,
        path: '/v1/responses',
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
    expect(model.otherRequests.map((r) => [r.method, r.path, r.reply, r.header('upgrade')])).toEqual([['GET', '/v1/responses', 'upgrade refused', 'websocket']]);
  });

  it('waitForRequests resolves when enough requests arrived and rejects clearly on timeout', async () => {
    const model = await startModel(reply.message('a'), reply.message('b'));
    const waiting = model.waitForRequests(2, { timeoutMs: 2_000 });
    await (await post(model)).text();
    await (await post(model)).text();
    expect((await waiting).map((r) => r.sequence)).toEqual([1, 2]);
    expect(await model.waitForRequests(1)).toHaveLength(2);
    await fetch(`${model.baseUrl}/models`);
    const timedOut = model.waitForRequests(3, { timeoutMs: 50 });
    await expect(timedOut).rejects.toThrow(ScriptedModelError);
    await expect(timedOut).rejects.toThrow(
      'ScriptedModel: waited 50 ms for 3 model request(s), 2 arrived (0 replies still queued; other requests: GET /v1/models)',
    );
  });

  it('close rejects pending waits, is idempotent, refuses new work and leaves no handle behind', async () => {
    const serversBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const model = await ScriptedModel.start();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length).toBe(serversBefore + 1);
    model.enqueue(reply.message('x'));
    await (await post(model)).text();
    const waiting = model.waitForRequests(5, { timeoutMs: 60_000 }).catch((error: unknown) => error);
    const first = model.close();
    expect(model.close()).toBe(first);
    await first;
    const error = await waiting;
    expect(error).toBeInstanceOf(ScriptedModelError);
    expect((error as Error).message).toBe('ScriptedModel: closed while waiting for 5 model request(s) (1 arrived)');
    await expect(model.waitForRequests(9)).rejects.toThrow(ScriptedModelError);
    expect(() => model.enqueue(reply.message('y'))).toThrow(ScriptedModelError);
    await expect(fetch(`${model.baseUrl}/responses`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length).toBe(serversBefore);
    expect(model.requests).toHaveLength(1);
  });

  it('supports await using', async () => {
    let url = '';
    {
      await using model = await ScriptedModel.start();
      url = model.baseUrl;
    }
    await expect(fetch(`${url}/models`)).rejects.toThrow();
  });
});

describe('codex configuration', () => {
  it('builds offline config overrides pointing at the server', async () => {
    const model = await startModel();
    expect(model.codexConfig()).toEqual({
      model: 'mock-model',
      model_provider: 'mock',
      approval_policy: 'never',
      sandbox_mode: 'danger-full-access',
      model_providers: {
        mock: { name: 'ScriptedModel', base_url: model.baseUrl, wire_api: 'responses', request_max_retries: 0, stream_max_retries: 0 },
      },
      features: { plugins: false, shell_snapshot: false },
    });
    expect(model.codexConfig({ approvalPolicy: 'on-request', sandboxMode: 'read-only', streamIdleTimeoutMs: 2_000 })).toMatchObject({
      approval_policy: 'on-request',
      sandbox_mode: 'read-only',
      model_providers: { mock: { stream_idle_timeout_ms: 2_000 } },
    });
  });

  it('uses the model and provider id it was started with', async () => {
    const model = await ScriptedModel.start({ model: 'other-model', providerId: 'scripted' });
    models.push(model);
    const config = model.codexConfig();
    expect(config.model).toBe('other-model');
    expect(config.model_provider).toBe('scripted');
    expect(Object.keys(config.model_providers)).toEqual(['scripted']);
  });

  it('writes a temporary CODEX_HOME with the equivalent config.toml, merged with extraConfig', async () => {
    const model = await startModel();
    const home = await model.createCodexHome({
      approvalPolicy: 'on-request',
      prefix: 'scripted-test-',
      extraConfig: { developer_instructions: 'say "hi"\n', model_providers: { mock: { request_max_retries: 2 } }, features: { extra: true } },
    });
    try {
      expect(home.path).toMatch(/scripted-test-/);
      expect(home.configPath).toBe(`${home.path}/config.toml`);
      expect(await readFile(home.configPath, 'utf8')).toBe(
        [
          'model = "mock-model"',
          'model_provider = "mock"',
          'approval_policy = "on-request"',
          'sandbox_mode = "danger-full-access"',
          'developer_instructions = "say \\"hi\\"\\n"',
          '',
          '[model_providers.mock]',
          'name = "ScriptedModel"',
          `base_url = "${model.baseUrl}"`,
          'wire_api = "responses"',
          'request_max_retries = 2',
          'stream_max_retries = 0',
          '',
          '[features]',
          'plugins = false',
          'shell_snapshot = false',
          'extra = true',
          '',
        ].join('\n'),
      );
    } finally {
      await home.remove();
    }
    expect(existsSync(home.path)).toBe(false);
    await home.remove();
  });

  it('removes the CODEX_HOME on await using', async () => {
    const model = await startModel();
    let path = '';
    {
      await using home = await model.createCodexHome();
      path = home.path;
      expect(existsSync(`${path}/config.toml`)).toBe(true);
    }
    expect(existsSync(path)).toBe(false);
  });
});
