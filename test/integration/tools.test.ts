import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AbortError, InvalidArgumentError, tool, toolNamespace, type ThreadItem, type ToolCallContext } from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { scripted, type Scripted } from '../helpers/scripted.js';

// Local tools against the real binary: the model (scripted) calls a dynamic tool, the SDK runs
// the TypeScript function and answers `item/tool/call`; the next model request carries the answer.

const citySchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } as const;

const toolItem = (items: readonly ThreadItem[]) => items.find((item) => item.type === 'dynamicToolCall');

/** A promise and its resolver, to hold a tool until the test lets it go. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('local tools', () => {
  let env: Scripted;
  beforeAll(async () => {
    env = await scripted({ codex: { env: { OPENAI_API_KEY: 'sk-tools-secret-0123456789' } } });
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('runs execute with typed arguments and the call context, and the model gets the answer', async () => {
    const { codex, model } = env;
    const contexts: ToolCallContext[] = [];
    const weather = tool<{ city: string }>({
      name: 'get_weather',
      description: 'Current weather for a city',
      inputSchema: citySchema,
      execute: ({ city }, context) => {
        contexts.push(context);
        return `Sunny in ${city}`;
      },
    });
    const thread = await codex.threadStart({ tools: [weather] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('get_weather', { city: 'Paris' }, { callId: 'call_w1' })]), reply.message('It is sunny.'));
    const result = await thread.run('Weather in Paris?');

    expect(result.finalResponse).toBe('It is sunny.');
    const [first, second] = model.requests.slice(before);
    const offered = (first!.body as { tools: Array<Record<string, unknown>> }).tools.find((t) => t.name === 'get_weather');
    expect(offered).toMatchObject({ type: 'function', description: 'Current weather for a city', parameters: citySchema });
    expect(second!.functionCallOutput('call_w1')?.output).toBe('Sunny in Paris');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({ threadId: thread.id, turnId: result.id, callId: 'call_w1' });
    expect(contexts[0]!.signal.aborted).toBe(false);
    // The server leaves the tool item out of turn/completed's summary; run() has it.
    expect(toolItem(result.items)).toMatchObject({ id: 'call_w1', tool: 'get_weather', success: true, status: 'completed', arguments: { city: 'Paris' } });
  });

  it('answers invalid arguments with a failed call naming the problem, without running execute', async () => {
    const { codex, model } = env;
    let ran = 0;
    const weather = tool<{ city: string }>({
      name: 'get_weather',
      description: 'Current weather for a city',
      inputSchema: citySchema,
      execute: () => {
        ran += 1;
        return 'never';
      },
    });
    const thread = await codex.threadStart({ tools: [weather] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('get_weather', { city: 42, extra: true }, { callId: 'call_bad' })]), reply.message('ok'));
    const result = await thread.run('Weather?');

    const answer = model.requests[before + 1]!.functionCallOutput('call_bad')?.output;
    expect(answer).toContain('Invalid arguments for get_weather');
    expect(answer).toContain('/city must be string');
    expect(answer).toContain('"extra"');
    expect(ran).toBe(0);
    expect(toolItem(result.items)).toMatchObject({ success: false, status: 'failed' });
  });

  it('validates and types arguments with a zod schema, sent to the server as JSON Schema', async () => {
    const { codex, model } = env;
    const seen: Array<{ city: string; days: number }> = [];
    const forecast = tool({
      name: 'forecast',
      description: 'Forecast for a city',
      inputSchema: z.object({ city: z.string().min(1), days: z.number().int().max(7) }),
      execute: (args) => {
        seen.push(args);
        return `${args.days} days of sun in ${args.city}`;
      },
    });
    const thread = await codex.threadStart({ tools: [forecast] });
    const before = model.requests.length;
    model.enqueue(
      reply.response([output.functionCall('forecast', { city: 'Oslo', days: 3 }, { callId: 'call_z1' }), output.functionCall('forecast', { city: '', days: 30 }, { callId: 'call_z2' })]),
      reply.message('done'),
    );
    await thread.run('Forecast?');

    const [first, second] = model.requests.slice(before);
    const offered = (first!.body as { tools: Array<Record<string, unknown>> }).tools.find((t) => t.name === 'forecast');
    expect(offered?.parameters).toMatchObject({ type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] });
    expect(offered?.parameters).not.toHaveProperty('$schema');
    expect(second!.functionCallOutput('call_z1')?.output).toBe('3 days of sun in Oslo');
    const invalid = String(second!.functionCallOutput('call_z2')?.output);
    expect(invalid).toContain('Invalid arguments for forecast');
    expect(invalid).toMatch(/city: /);
    expect(invalid).toMatch(/days: /);
    expect(seen).toEqual([{ city: 'Oslo', days: 3 }]);
  });

  it('turns a throw into a failed call with the redacted message, and the turn completes', async () => {
    const { codex, model } = env;
    const flaky = tool({
      name: 'flaky',
      description: 'Always fails',
      inputSchema: { type: 'object', properties: {} },
      execute: () => {
        throw new Error('upstream refused key sk-tools-secret-0123456789');
      },
    });
    const thread = await codex.threadStart({ tools: [flaky] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('flaky', {}, { callId: 'call_f1' })]), reply.message('sorry'));
    const result = await thread.run('try it');

    expect(result.status).toBe('completed');
    const answer = String(model.requests[before + 1]!.functionCallOutput('call_f1')?.output);
    expect(answer).toContain('flaky failed: upstream refused key');
    expect(answer).not.toContain('sk-tools-secret-0123456789');
    expect(toolItem(result.items)).toMatchObject({ success: false, status: 'failed' });
  });

  it('returns text and image content items', async () => {
    const { codex, model } = env;
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const snap = tool({
      name: 'snapshot',
      description: 'A picture',
      inputSchema: { type: 'object' },
      execute: () => [{ type: 'text' as const, text: 'here it is' }, { type: 'image' as const, url: png }],
    });
    const thread = await codex.threadStart({ tools: [snap] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('snapshot', {}, { callId: 'call_i1' })]), reply.message('nice'));
    await thread.run('show me');
    const answer = model.requests[before + 1]!.functionCallOutput('call_i1')?.output;
    expect(answer).toEqual([
      { type: 'input_text', text: 'here it is' },
      expect.objectContaining({ type: 'input_image', image_url: png }),
    ]);
  });

  it('cancels a call past its deadline: the signal fires and the model is told', async () => {
    const { codex, model } = env;
    const signals: AbortSignal[] = [];
    const slow = tool({
      name: 'slow',
      description: 'Never finishes on its own',
      inputSchema: { type: 'object' },
      timeoutMs: 300,
      execute: (_args, { signal }) => {
        signals.push(signal);
        return new Promise<string>(() => undefined);
      },
    });
    const thread = await codex.threadStart({ tools: [slow] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('slow', {}, { callId: 'call_s1' })]), reply.message('gave up'));
    const result = await thread.run('go');

    expect(result.status).toBe('completed');
    expect(signals[0]?.aborted).toBe(true);
    expect(String(model.requests[before + 1]!.functionCallOutput('call_s1')?.output)).toContain('slow was cancelled: slow did not answer within 300 ms');
  });

  it('fires the signal when the turn is interrupted during a call', async () => {
    const { codex, model } = env;
    const started = gate<AbortSignal>();
    const hold = tool({
      name: 'hold',
      description: 'Waits to be cancelled',
      inputSchema: { type: 'object' },
      execute: (_args, { signal }) => {
        started.open(signal);
        return new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('too late'), { once: true }));
      },
    });
    const thread = await codex.threadStart({ tools: [hold] });
    model.enqueue(reply.response([output.functionCall('hold', {}, { callId: 'call_h1' })]));
    const turn = await thread.turn('hold on');
    const signal = await started.promise;
    expect(signal.aborted).toBe(false);
    await turn.interrupt();
    const result = await turn.run();

    expect(result.status).toBe('interrupted');
    expect(signal.aborted).toBe(true);
    expect(String((signal.reason as Error).message)).toMatch(/ended|without this answer/);
    expect(toolItem(result.items)).toMatchObject({ id: 'call_h1', status: 'failed' });
  });

  it("fires the signal when the turn's own signal aborts it during a call", async () => {
    const { codex, model } = env;
    const started = gate<AbortSignal>();
    const hold = tool({
      name: 'hold',
      description: 'Waits to be cancelled',
      inputSchema: { type: 'object' },
      execute: (_args, { signal }) => {
        started.open(signal);
        return new Promise<string>(() => undefined);
      },
    });
    const thread = await codex.threadStart({ tools: [hold] });
    model.enqueue(reply.response([output.functionCall('hold', {}, { callId: 'call_a1' })]));
    const controller = new AbortController();
    const turn = await thread.turn('hold on', { signal: controller.signal });
    const signal = await started.promise;
    controller.abort(new Error('user left'));
    await expect(turn.run()).rejects.toBeInstanceOf(AbortError);
    expect(signal.aborted).toBe(true);
  });

  it('routes a namespaced call to the tool in its namespace', async () => {
    const { codex, model } = env;
    const crm = toolNamespace({
      name: 'crm',
      description: 'CRM tools',
      tools: [
        tool<{ name: string }>({
          name: 'find_customer',
          description: 'Find a customer',
          inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          execute: ({ name }) => `customer ${name}: #42`,
        }),
        tool({ name: 'lazy_note', description: 'Save a note', inputSchema: { type: 'object' }, deferLoading: true, execute: () => 'saved' }),
      ],
    });
    const thread = await codex.threadStart({ tools: [crm] });
    const before = model.requests.length;
    model.enqueue(
      reply.response([
        output.raw({ type: 'function_call', call_id: 'call_n1', namespace: 'crm', name: 'find_customer', arguments: '{"name":"Ada"}', status: 'completed' }),
        output.raw({ type: 'function_call', call_id: 'call_n2', namespace: 'crm', name: 'lazy_note', arguments: '{}', status: 'completed' }),
      ]),
      reply.message('found'),
    );
    const result = await thread.run('find Ada');

    const [first, second] = model.requests.slice(before);
    const offered = (first!.body as { tools: Array<{ name?: string; type: string; tools?: Array<{ name: string }> }> }).tools.find((t) => t.name === 'crm');
    expect(offered?.type).toBe('namespace');
    // Deferred tools are left out of the namespace the model sees.
    expect(offered?.tools?.map((t) => t.name)).toEqual(['find_customer']);
    expect(second!.functionCallOutput('call_n1')?.output).toBe('customer Ada: #42');
    expect(second!.functionCallOutput('call_n2')?.output).toBe('saved');
    expect(result.items.filter((item) => item.type === 'dynamicToolCall')).toHaveLength(2);
  });

  it('re-attaches the functions on threadResume after a restart: the tools persist in the thread', async () => {
    const { model } = env;
    const first = await env.start();
    const calls: string[] = [];
    const make = (label: string) =>
      tool<{ city: string }>({
        name: 'get_weather',
        description: 'Current weather for a city',
        inputSchema: citySchema,
        execute: ({ city }) => {
          calls.push(label);
          return `${label}: rain in ${city}`;
        },
      });
    const thread = await first.threadStart({ tools: [make('first')] });
    model.enqueue(reply.message('hello'));
    await thread.run('hi');
    await first.close();

    const second = await env.start();
    const resumed = await second.threadResume(thread.id, { tools: [make('second')] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('get_weather', { city: 'Bergen' }, { callId: 'call_r1' })]), reply.message('wet'));
    const result = await resumed.run('weather?');

    // The restarted server still offers the tool (it was never declared again) ...
    const offered = (model.requests[before]!.body as { tools: Array<{ name?: string }> }).tools.map((t) => t.name);
    expect(offered).toContain('get_weather');
    // ... and the re-attached function answers.
    expect(model.requests[before + 1]!.functionCallOutput('call_r1')?.output).toBe('second: rain in Bergen');
    expect(calls).toEqual(['second']);
    expect(toolItem(result.items)).toMatchObject({ success: true });
  });

  it('re-attaches the functions to a fork, which keeps the tools', async () => {
    const { codex, model } = env;
    const weather = tool<{ city: string }>({ name: 'get_weather', description: 'Weather', inputSchema: citySchema, execute: ({ city }) => `fork: fog in ${city}` });
    const thread = await codex.threadStart({ tools: [weather] });
    model.enqueue(reply.message('hello'));
    await thread.run('hi');
    const fork = await codex.threadFork(thread.id, { tools: [weather] });
    const before = model.requests.length;
    model.enqueue(reply.response([output.functionCall('get_weather', { city: 'Lima' }, { callId: 'call_k1' })]), reply.message('foggy'));
    await fork.run('weather?');
    expect((model.requests[before]!.body as { tools: Array<{ name?: string }> }).tools.map((t) => t.name)).toContain('get_weather');
    expect(model.requests[before + 1]!.functionCallOutput('call_k1')?.output).toBe('fork: fog in Lima');
  });

  it('refuses tools on a client without the experimental API before sending anything', async () => {
    const plain = await env.start({ experimentalApi: false });
    const weather = tool({ name: 'get_weather', description: 'Weather', inputSchema: citySchema, execute: () => 'x' });
    const before = (await plain.threadList()).data.length;
    await expect(plain.threadStart({ tools: [weather] })).rejects.toThrow(InvalidArgumentError);
    await expect(plain.threadStart({ tools: [weather] })).rejects.toThrow(/experimentalApi/);
    expect((await plain.threadList()).data.length).toBe(before);
  });
});
