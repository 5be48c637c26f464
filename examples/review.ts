/**
 * Code review: `thread.review(target)` runs a review turn and returns its handle; `run()`
 * resolves with the review as the server rendered it (`result.review`).
 *
 * 1. Review the uncommitted changes of a small git repository; print the review.
 * 2. A review that takes too long: `interrupt()` stops it.
 * 3. A turn asked for while a review runs waits for it.
 *
 *   node --import tsx examples/review.ts                    # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/review.ts   # a logged-in Codex
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// A repository with one committed file and an uncommitted bug.
const repo = mkdtempSync(join(tmpdir(), 'review-demo-'));
const git = (...args: string[]): void => void execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
git('init', '-q');
writeFileSync(join(repo, 'math.js'), 'export const add = (a, b) => a + b;\n');
git('add', '.');
git('-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-qm', 'add');
writeFileSync(join(repo, 'math.js'), 'export const add = (a, b) => a - b;\n');

// Offline, the model answers with the review JSON a real reviewer model writes.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message(
    JSON.stringify({
      findings: [
        {
          title: '[P1] add() subtracts',
          body: 'add() now returns a - b; every caller gets the wrong sum.',
          confidence_score: 0.9,
          priority: 1,
          code_location: { absolute_file_path: join(repo, 'math.js'), line_range: { start: 1, end: 1 } },
        },
      ],
      overall_correctness: 'patch is incorrect',
      overall_explanation: 'The change breaks add().',
      overall_confidence_score: 0.8,
    }),
  ), // 1.
  reply.hang(), // 2. a reviewer that never answers
  reply.message('The commit looks right.', { delayMs: 300 }), // 3. plain text: the review verbatim
  reply.message('You are welcome.'), //    the turn that waited for it
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
try {
  const thread = await codex.threadStart({ cwd: repo });

  // 1. Review the uncommitted changes.
  const review = await thread.review({ type: 'uncommittedChanges' });
  const result = await review.run();
  console.log(`1. review ${result.status}:\n${result.review}`);

  // 2. Interrupt a review (the SDK maps the review's two turn ids for turn/interrupt).
  const slow = await thread.review({ type: 'custom', instructions: 'Review math.js very, very thoroughly.' });
  await model?.waitForRequests(2);
  await slow.interrupt();
  const slowResult = await slow.run();
  console.log(`2. interrupted review: ${slowResult.status}, review: ${JSON.stringify(slowResult.review)}`);

  // 3. Ask for a turn while a review runs: it waits until the review is done.
  const order: string[] = [];
  const again = await thread.review({ type: 'commit', sha: 'HEAD', title: 'add' });
  const thanks = thread.run('Thanks!').then((r) => (order.push('turn'), r));
  const againResult = await again.run().then((r) => (order.push('review'), r));
  console.log(`3. review ${againResult.status}: ${againResult.review}`);
  console.log(`   the waiting turn: ${(await thanks).finalResponse} (finished: ${order.join(', then ')})`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
