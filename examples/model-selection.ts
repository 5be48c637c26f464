/**
 * Model selection and reasoning effort. Pick a model from `codex.models()` and set it:
 *
 * - per thread: `threadStart({ model })`: the thread's default for every turn;
 * - per turn: `thread.run(prompt, { model, effort, summary })`: this turn and the ones after it
 *   (the server keeps a turn's overrides as the thread's new settings).
 *
 * Offline, the scripted model records each request, so you can see what reached the model.
 * Pick slugs from `codex.models()`: with a slug the catalog does not know, the server still sends
 * it but adds a `warning` notification to each turn (it cannot tell the model's context window or
 * tools), which is what a typo in a model name looks like.
 *
 *   npm run example -- model-selection              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- model-selection   # a logged-in Codex
 */
import { Codex, type ReasoningEffort } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('Answered by the default model.'),
  reply.message('Answered with more thought.'),
  reply.message('Answered quickly.'),
  reply.message('Same settings as the turn before.'),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });

const models = await codex.models();
const preferred = models.find((m) => m.isDefault) ?? models[0];
const other = models.find((m) => m !== preferred && m.supportedReasoningEfforts.some((e) => e.reasoningEffort === 'low'));
if (!preferred || !other) throw new Error('this example needs at least two models in the catalog');
console.log(`default model: ${preferred.id}; also using: ${other.id}`);

// The thread's model. Its effort is the model's default unless the turn says otherwise.
const thread = await codex.threadStart({ model: preferred.id });
console.log(`thread model: ${thread.settings.model}, effort: ${thread.settings.reasoningEffort ?? 'model default'}`);

/** What the last model request asked for (offline only). */
function sent(): string {
  const request = model?.requests.at(-1);
  if (!request) return '';
  const reasoning = (request.body as { reasoning?: { effort?: string; summary?: string } | null }).reasoning;
  return ` [model request: model ${request.model}, effort ${reasoning?.effort ?? '-'}, summary ${reasoning?.summary ?? '-'}]`;
}

const first = await thread.run('Say hi.');
console.log(`1. ${first.finalResponse}${sent()}`);

// Harder question: more reasoning effort, and a detailed reasoning summary.
const effort: ReasoningEffort = preferred.supportedReasoningEfforts.some((e) => e.reasoningEffort === 'high') ? 'high' : preferred.defaultReasoningEffort;
const second = await thread.run('Prove that there are infinitely many primes.', { effort, summary: 'detailed' });
console.log(`2. ${second.finalResponse}${sent()}`);

// Another model for a quick one, with low effort.
const third = await thread.run('What is 2 + 2?', { model: other.id, effort: 'low' });
console.log(`3. ${third.finalResponse}${sent()}`);

// Turn overrides stick: a turn without any runs with the last turn's model, effort and summary.
const fourth = await thread.run('And 3 + 3?');
console.log(`4. ${fourth.finalResponse}${sent()}`);
