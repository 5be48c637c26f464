/**
 * Structured output: pass a JSON Schema as `outputSchema` and read the final answer as JSON from
 * `result.parsed`. If the final message is not valid JSON, `run()` rejects with
 * `StructuredOutputError`, whose `text` holds what the model said and `turn` the whole result.
 *
 * `parsed` is `JSON.parse` of the final message, typed `unknown`: the SDK does not check it
 * against the schema (the model is asked to follow it), so narrow or validate it yourself.
 *
 *   node --import tsx examples/structured-output.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/structured-output.ts   # a logged-in Codex
 *     (a real model follows the schema, so the error branch is unlikely to show)
 */
import { Codex, StructuredOutputError } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

interface Review {
  score: number;
  verdict: 'approve' | 'request-changes';
  reasons: string[];
}
const outputSchema = {
  type: 'object',
  properties: {
    score: { type: 'number', minimum: 0, maximum: 10 },
    verdict: { type: 'string', enum: ['approve', 'request-changes'] },
    reasons: { type: 'array', items: { type: 'string' } },
  },
  required: ['score', 'verdict', 'reasons'],
  additionalProperties: false,
};

// Offline: the first answer is JSON, the second is prose (a model ignoring the schema).
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('{"score": 8, "verdict": "approve", "reasons": ["small diff", "has tests"]}', { phase: 'final_answer' }),
  reply.message('I would say it is a solid seven out of ten.', { phase: 'final_answer' }),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

// 1. The schema is sent with the turn (as the model request's `text.format`); `parsed` is the answer.
// The type argument names what the schema describes; validate it yourself if the model may stray.
const result = await thread.run<Review>('Review this change: "Add a --dry-run flag, with tests." Rate it.', { outputSchema });
const review = result.parsed!;
console.log(`score ${review.score}/10, verdict: ${review.verdict}`);
for (const reason of review.reasons) console.log(`  - ${reason}`);

// 2. When the final message is not JSON, run() rejects with StructuredOutputError.
try {
  const again = await thread.run('Now rate it again, in your own words.', { outputSchema });
  console.log('parsed again:', again.parsed);
} catch (error) {
  if (!(error instanceof StructuredOutputError)) throw error;
  console.log(`\nStructuredOutputError: ${error.message}`);
  console.log(`  the model said: ${JSON.stringify(error.text)}`);
  console.log(`  the turn itself: ${error.turn.status}, ${error.turn.items.length} items`);
}
