import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  StructuredOutputError,
  TurnFailedError,
  externalMessage,
  image,
  localImage,
  text,
  type ThreadItem,
} from '../../src/index.js';
import { output, reply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';

// What run() returns: items, finalResponse, usage, failures, structured output, inputs.

const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const types = (items: readonly ThreadItem[]) => items.map((item) => item.type);

describe('run() results', () => {
  it('rebuilds items in order and picks the final answer over commentary', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(
      reply.response(
        [
          output.reasoning('Thinking about it'),
          output.message('Let me check.', { phase: 'commentary' }),
          output.message('The answer is 42.', { phase: 'final_answer' }),
        ],
        { usage: { inputTokens: 100, outputTokens: 20 } },
      ),
    );
    const thread = await codex.threadStart();
    const result = await thread.run('What is the answer?');
    expect(types(result.items)).toEqual(['userMessage', 'reasoning', 'agentMessage', 'agentMessage']);
    expect(result.finalResponse).toBe('The answer is 42.');
    expect(result.usage?.last.inputTokens).toBe(100);
    expect(result.status).toBe('completed');
    expect(result.error).toBeNull();
    expect(result.threadId).toBe(thread.id);
    expect(typeof result.startedAt).toBe('number');
  });

  it('falls back to the last agent message when none is marked final', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.response([output.message('first'), output.message('second')]));
    const result = await (await codex.threadStart()).run('hi');
    expect(result.finalResponse).toBe('second');
  });

  it('runs a shell command the model asks for and returns its item', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.shell('echo from-the-shell'), reply.message('ran it'));
    const result = await (await codex.threadStart({ approvalMode: 'denyAll' })).run('run echo');
    const command = result.items.find((item) => item.type === 'commandExecution');
    expect(command).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(command?.type === 'commandExecution' && command.aggregatedOutput).toContain('from-the-shell');
    expect(result.finalResponse).toBe('ran it');
  });

  it('rejects a failed turn with TurnFailedError carrying codexErrorInfo; the thread stays usable', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.httpError(401, { message: 'bad key' }), reply.failed({ code: 'insufficient_quota', message: 'out of quota' }), reply.message('back to normal'));
    const thread = await codex.threadStart();
    const unauthorized = await thread.run('first').catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(TurnFailedError);
    const failure = unauthorized as TurnFailedError;
    expect(failure.turn.status).toBe('failed');
    expect(failure.error?.codexErrorInfo).toEqual({ httpConnectionFailed: { httpStatusCode: 401 } });
    expect(failure.message).toContain('401');

    const quota = (await thread.run('second').catch((e: unknown) => e)) as TurnFailedError;
    expect(quota).toBeInstanceOf(TurnFailedError);
    expect(quota.error?.codexErrorInfo).toBe('usageLimitExceeded');

    expect((await thread.run('third')).finalResponse).toBe('back to normal');
  });

  it('treats error notifications with willRetry: true as progress, not failure', async () => {
    await using env = await scripted({ home: { extraConfig: { model_providers: { mock: { stream_max_retries: 1 } } } } });
    const { codex, model } = env;
    model.enqueue(reply.drop({ before: [output.message('cut off')] }), reply.message('recovered'));
    const thread = await codex.threadStart();
    const turn = await thread.turn('try');
    const retries: boolean[] = [];
    for await (const n of turn) if (n.method === 'error') retries.push(n.params.willRetry);
    expect(retries).toEqual([true]);
    const result = await turn.run();
    expect(result.status).toBe('completed');
    expect(result.finalResponse).toBe('recovered');
    expect(result.error).toBeNull();
  });

  it('parses structured output with outputSchema, and says clearly when it is not JSON', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    const outputSchema = {
      type: 'object',
      properties: { answer: { type: 'number' } },
      required: ['answer'],
      additionalProperties: false,
    };
    model.enqueue(reply.message('{"answer": 42}'), reply.message('forty-two'));
    const thread = await codex.threadStart();
    const result = await thread.run('Answer as JSON', { outputSchema });
    expect(result.parsed).toEqual({ answer: 42 });
    const format = (model.requests[0]!.body as { text?: { format?: { schema?: unknown } } }).text?.format;
    expect(format?.schema).toEqual(outputSchema);

    const error = await thread.run('Again', { outputSchema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect((error as StructuredOutputError).text).toBe('forty-two');
    expect((error as StructuredOutputError).turn.status).toBe('completed');
  });

  it('sends text, images and local images to the model', async () => {
    await using env = await scripted();
    const { codex, model, home } = env;
    const file = path.join(home.path, 'pixel.png');
    writeFileSync(file, Buffer.from(PNG_1X1, 'base64'));
    model.enqueue(reply.message('two pictures'));
    const dataUrl = `data:image/png;base64,${PNG_1X1}`;
    const result = await (await codex.threadStart()).run([text('Describe these'), image(dataUrl), localImage(file)]);
    expect(result.finalResponse).toBe('two pictures');
    const request = model.requests[0]!;
    expect(request.lastUserText).toContain('Describe these');
    expect(request.userImages).toHaveLength(2);
    expect(request.userImages[0]).toBe(dataUrl);
    expect(request.userImages[1]).toMatch(/^data:image\/png;base64,/);
  });

  it('delivers an external tool’s output as the turn input', async () => {
    await using env = await scripted();
    const { codex, model } = env;
    model.enqueue(reply.message('thanks for the weather'));
    const result = await (await codex.threadStart()).run(externalMessage({ toolName: 'weather', content: 'Sunny, 21°C' }));
    expect(result.finalResponse).toBe('thanks for the weather');
    const outputItem = model.requests[0]!.input.find((item) => item['type'] === 'function_call_output');
    expect(outputItem).toMatchObject({ name: 'weather', output: 'Sunny, 21°C' });
  });
});
