/**
 * Testing your own code with `codex-app-server-sdk/testing`: run the real codex app-server
 * against a scripted model on 127.0.0.1, so your tests need no network, no account and no luck.
 *
 * - `ScriptedModel.start()`: a fake model provider; queue its answers with `enqueue(reply...)`
 *   (or `enqueueFor({ threadId | prompt }, ...)` when several threads run at once).
 * - `model.createCodexHome()`: a throwaway CODEX_HOME whose config points codex at it.
 * - `model.requests`: every request the model received (prompts, tools, schema...), to assert on.
 * - `overloadLaunchArgs({ method: n })` makes the server answer "overloaded" (see docs/testing.md).
 *
 * Here the code under test is `triageIssue()`, and the "tests" are plain node:assert checks so
 * this file runs on its own; in your project, put the same lines in vitest, jest or node:test.
 *
 *   npm run example -- testing-your-code      # offline only: that is the point
 */
import assert from 'node:assert/strict';
import { Codex, StructuredOutputError } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

// ---- The code under test (in your project this lives in src/) ----------------------------
interface Triage {
  label: 'bug' | 'feature' | 'question';
  summary: string;
}
const triageSchema = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['bug', 'feature', 'question'] }, summary: { type: 'string' } },
  required: ['label', 'summary'],
  additionalProperties: false,
};

/** Asks Codex to label an issue; falls back to `question` when the answer is not JSON. */
async function triageIssue(codex: Codex, issue: { title: string; body: string }): Promise<Triage> {
  const thread = await codex.threadStart({ sandbox: 'read-only' });
  try {
    const result = await thread.run<Triage>(`Triage this issue.\nTitle: ${issue.title}\n\n${issue.body}`, { outputSchema: triageSchema, timeoutMs: 60_000 });
    return result.parsed!;
  } catch (error) {
    if (error instanceof StructuredOutputError) return { label: 'question', summary: issue.title };
    throw error;
  }
}

// ---- The tests -------------------------------------------------------------------------------
// One scripted model and one server for all of them (starting a server takes about a second).
await using model = await ScriptedModel.start();
await using home = await model.createCodexHome();
await using codex = await Codex.start({ codexHome: home.path });

async function test(name: string, body: () => Promise<void>): Promise<void> {
  await body();
  console.log(`ok - ${name}`);
}

await test('labels a crash report as a bug', async () => {
  model.enqueue(reply.message('{"label":"bug","summary":"Crash on save"}'));
  const triage = await triageIssue(codex, { title: 'App crashes', body: 'It crashes when I press save.' });
  assert.deepEqual(triage, { label: 'bug', summary: 'Crash on save' });
});

await test('sends the issue text and the JSON schema to the model', async () => {
  // The request of the previous test, as the model received it.
  const request = model.requests.at(-1)!;
  assert.match(request.lastUserText ?? '', /Title: App crashes\n\nIt crashes when I press save\./);
  const format = (request.body as { text?: { format?: { type?: string; schema?: unknown } } }).text?.format;
  assert.equal(format?.type, 'json_schema');
  assert.deepEqual(format?.schema, triageSchema);
});

await test('falls back to "question" when the model answers in prose', async () => {
  model.enqueue(reply.message('Hmm, hard to say, maybe a feature?'));
  const triage = await triageIssue(codex, { title: 'Dark mode?', body: 'Would be nice.' });
  assert.deepEqual(triage, { label: 'question', summary: 'Dark mode?' });
});

await test('a failing model provider surfaces as an error, not a wrong label', async () => {
  model.enqueue(reply.httpError(401, { message: 'Incorrect API key provided' }));
  await assert.rejects(triageIssue(codex, { title: 'x', body: 'y' }), { name: 'TurnFailedError' });
});

await test('each call used its own thread, and every queued reply was used', async () => {
  const threads = new Set(model.requests.map((r) => r.threadId));
  assert.equal(threads.size, model.requests.length); // one request per call here: no tool calls
  assert.equal(model.pendingReplies, 0);
});

console.log(`\n${model.requests.length} model requests, all answered offline`);
