/**
 * Turn parameters, all in one place. Every option of `thread.run(input, options)` /
 * `thread.turn(input, options)` and what it does; offline, the scripted model's recorded request
 * shows what reached the model.
 *
 * Wire parameters (sent with `turn/start`; they also become the thread's settings for later turns):
 *   model, effort, summary      which model, how hard it thinks, how much of its reasoning to summarize
 *   cwd                         the folder commands run in (and the model is told about)
 *   approvalPolicy/Reviewer     when to ask before going beyond the sandbox (or `approvalMode` below)
 *   outputSchema                a JSON schema the final answer must follow (see structured-output.ts)
 * SDK options (handled by the client, not sent as they are):
 *   sandbox                     `read-only` | `workspace-write` | `danger-full-access`, sent as a sandboxPolicy
 *   approvalMode                `autoReview` | `ask` | `denyAll` presets for the approval fields
 *   onServerRequest             approval handlers for this turn only (see approvals.ts)
 *   timeoutMs, stallTimeoutMs   deadlines (see deadlines.ts); signal: an AbortSignal
 *   trace                       W3C trace context for this turn (see tracing.ts)
 *
 *   npm run example -- turn-options              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- turn-options   # a logged-in Codex
 */
import os from 'node:os';
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(reply.message('{"files": 3, "largest": "notes.txt"}', { phase: 'final_answer' }));
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });

// A model from the catalog (an unknown slug works too, with a warning on each turn).
const models = await codex.models();
const chosen = models.find((m) => m.isDefault) ?? models[0]!;
const thread = await codex.threadStart();

interface Listing {
  files: number;
  largest: string;
}
const cwd = os.tmpdir();
const result = await thread.run<Listing>('How many files are in the current folder, and which is the largest?', {
  model: chosen.id,
  effort: 'medium',
  summary: 'concise',
  cwd,
  sandbox: 'read-only',
  approvalMode: 'denyAll',
  outputSchema: {
    type: 'object',
    properties: { files: { type: 'integer' }, largest: { type: 'string' } },
    required: ['files', 'largest'],
    additionalProperties: false,
  },
  timeoutMs: 120_000,
  signal: AbortSignal.timeout(180_000),
});
console.log(`result: ${result.status}, parsed ${JSON.stringify(result.parsed)}`);

// What the thread runs with now: the turn's overrides became its settings.
const { thread: info } = await thread.read();
console.log(`thread ${info.id}: status ${info.status.type}, cwd is the temp folder: ${info.cwd === cwd}`);

if (model) {
  // The model request that turn made: model, reasoning, output format, and the environment
  // codex described to the model (cwd, sandbox, approvals) in its context messages.
  const request = model.requests[0]!;
  const body = request.body as { reasoning?: { effort?: string; summary?: string }; text?: { format?: { type?: string; strict?: boolean } } };
  console.log('the model received:');
  console.log(`  model      ${request.model}`);
  console.log(`  reasoning  effort ${body.reasoning?.effort}, summary ${body.reasoning?.summary}`);
  console.log(`  format     ${body.text?.format?.type}${body.text?.format?.strict ? ' (strict)' : ''}`);
  const context = JSON.stringify(request.input);
  // Codex words these in its permissions message; quote them rather than parse them.
  const sandboxLine = /`sandbox_mode` is `[^`]+`/.exec(context)?.[0] ?? 'not described';
  const approvalLine = /Approval policy is currently \w+/.exec(context)?.[0] ?? 'not described';
  console.log(`  cwd        mentioned in the context: ${context.includes(cwd)}`);
  console.log(`  sandbox    ${sandboxLine}`);
  console.log(`  approvals  ${approvalLine}`);
  console.log(`  prompt     ${JSON.stringify(request.lastUserText)}`);
}
