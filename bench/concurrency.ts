/**
 * Benchmark 5, concurrency: 32 threads each running one turn at once on one app-server, against
 * one thread running one turn. Every turn must complete with its own reply and only its own
 * notifications (no cross-talk); the figure is aggregate turns per second.
 */
import { Codex, type Thread } from '../src/index.js';
import { reply } from '../src/testing.js';
import { fmt, interleave, times, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { scriptedEnvironment, type ScriptedEnvironment } from './scripted-env.js';

const THREADS = 32;

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  await using env = await scriptedEnvironment();
  const codex = await Codex.start({ codexHome: env.home.path });
  let checked = 0;
  try {
    let round = 0;
    const batch = (size: number) => async (): Promise<number> => {
      round += 1;
      const threads = await Promise.all(Array.from({ length: size }, () => codex.threadStart()));
      const start = performance.now();
      await runBatch(env, threads, round);
      const ms = performance.now() - start;
      checked += size;
      return (size / ms) * 1000;
    };
    const samples = await interleave(
      [
        { name: 'one', run: batch(1) },
        { name: 'many', run: batch(THREADS) },
      ],
      {
        warmup: 1,
        rounds: options.quick ? 3 : 9,
        budgetMs: options.quick ? 10_000 : 30_000,
        onSample: (name, r, rate) => log(`  concurrency ${name} #${r}: ${fmt(rate)} turns/s`),
      },
    );
    const one = row('1 thread, 1 turn', 'turns/s', samples.get('one')!);
    const many = row(`${THREADS} threads, 1 turn each, at once`, 'turns/s', samples.get('many')!, one);
    return {
      name: 'concurrency',
      title: `5. Concurrency (${THREADS} threads)`,
      rows: [one, many],
      targets: [target(`${THREADS} concurrent turns all complete, no cross-talk`, `${fmt(checked)} turns checked`, true)],
      notes: [
        `One client for the whole benchmark. One sample: start the threads (untimed), then time from starting every turn at once to the last turn's end. Aggregate turns/s = turns / that time. ${THREADS} threads at once give ${times(many.ratio!.value)} the aggregate rate of one thread.`,
        'Each turn is read twice at once, by `for await` and by `run()`. A turn passes only if it completed, every notification it yielded names its own thread and turn, its streamed deltas join into the reply the scripted model gave to the request carrying that turn\'s own input, and `run()` returned that same reply. Any failure aborts the benchmark.',
      ],
      durationMs: performance.now() - began,
    };
  } finally {
    await codex.close();
  }
}

/** Runs one turn on each thread at once and checks each one against what the model answered it. */
export async function runBatch(env: ScriptedEnvironment, threads: readonly Thread[], round: number): Promise<void> {
  const firstRequest = env.model.requests.length;
  // Replies are served in the order requests arrive; which thread gets which is checked below.
  for (let i = 0; i < threads.length; i++) env.model.enqueue(reply.message(`Reply ${round}.${i}: ${'lorem ipsum '.repeat(4)}`, { deltas: 10 }));
  const outcomes = await Promise.all(
    threads.map(async (thread, i) => {
      const input = `round ${round}, thread ${i}`;
      const turn = await thread.turn(input);
      const streamed = (async () => {
        let text = '';
        for await (const n of turn) {
          const params = n.params as { threadId?: string; turnId?: string; turn?: { id: string } };
          if (params.threadId !== thread.id || (params.turnId ?? params.turn?.id) !== turn.id) {
            throw new Error(`cross-talk: ${n.method} for ${params.threadId}/${params.turnId} on ${thread.id}/${turn.id}`);
          }
          if (n.method === 'item/agentMessage/delta') text += n.params.delta;
        }
        return text;
      })();
      const result = await turn.run();
      return { input, result, streamed: await streamed };
    }),
  );
  const answered = new Map(env.model.requests.slice(firstRequest).map((request, k) => [request.lastUserText, k]));
  for (const { input, result, streamed } of outcomes) {
    const k = answered.get(input);
    const expected = k === undefined ? undefined : `Reply ${round}.${k}: ${'lorem ipsum '.repeat(4)}`;
    if (result.status !== 'completed' || result.finalResponse !== expected || streamed !== expected) {
      throw new Error(`${input}: ${result.status}, run() gave ${JSON.stringify(result.finalResponse)}, stream gave ${JSON.stringify(streamed)}, model sent ${JSON.stringify(expected)}`);
    }
  }
}
