/**
 * Benchmark 4, memory: `run()` over one turn of 1,000,000 deltas must keep nothing per
 * notification. The heap in use after a forced GC is sampled before the turn, midway (the
 * fixture stops after half the deltas until told to go on) and at the end; the end sample is
 * taken with the result still held and the size of the result subtracted.
 */
import { Codex, type TurnHandle, type TurnResult } from '../src/index.js';
import { fmt, forceGc, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { floodArgv } from './throughput.js';

const DELTAS = 1_000_000;
const MIDWAY = DELTAS / 2;
/** turn/started, item/started, the midway marker, item/completed, turn/completed. */
const EXTRA = 5;
const LIMIT_BYTES = 8;

interface Sample {
  readonly midway: number;
  readonly end: number;
  /** Growth per notification once the caller has let go of the turn and its result. */
  readonly released: number;
  readonly resultBytes: number;
  readonly ms: number;
}

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  const samples: Sample[] = [];
  const count = options.quick ? 1 : 3;
  for (let i = 0; i < count; i++) {
    const sample = await measure();
    log(
      `  memory #${i}: midway ${fmt(sample.midway)} B/notification, end ${fmt(sample.end)} B/notification (result ${fmt(sample.resultBytes / 2 ** 20)} MiB), released ${fmt(sample.released)} B/notification, ${fmt(sample.ms)} ms`,
    );
    samples.push(sample);
  }
  const midway = row('run(): heap growth per notification, midway', 'B', samples.map((s) => s.midway));
  const end = row('run(): heap growth per notification, end, minus result', 'B', samples.map((s) => s.end));
  const released = row('heap growth per notification after releasing turn + result', 'B', samples.map((s) => s.released));
  const result = row('size of the result (+ folded state)', 'MiB', samples.map((s) => s.resultBytes / 2 ** 20));
  const worst = Math.max(midway.median, end.median);
  return {
    name: 'memory',
    title: '4. Memory (run() over 1M deltas)',
    rows: [midway, end, released, result],
    targets: [target(`< ${LIMIT_BYTES} bytes per notification`, `${fmt(midway.median)} B midway, ${fmt(end.median)} B at the end`, worst < LIMIT_BYTES)],
    notes: [
      `Every heap sample: wait 100 ms for the event loop to settle, force a full GC (twice), read \`process.memoryUsage().heapUsed\`. One sample: a fresh client on the flood fixture, a 1,000-delta warm-up turn, then the baseline. Then \`thread.turn()\` + \`run()\` over ${fmt(DELTAS)} deltas (written 5,000 lines a write).`,
      `Midway: after ${fmt(MIDWAY)} deltas the fixture writes a \`thread/tokenUsage/updated\` for the turn and waits; the benchmark polls \`turn.state.usage\` until it is set (every earlier notification has then been folded), forces GC, and reads \`heapUsed\`. Growth / ${fmt(MIDWAY + 3)} notifications so far. Then it sends \`bench/continue\`.`,
      `End: with the result held, forced GC, \`heapUsed\`; minus the baseline, minus the size of the result, divided by ${fmt(DELTAS + EXTRA)} notifications.`,
      'The size of the result: heap growth (after forced GC) from holding a `structuredClone` of `{ result, state: turn.state }`, with `result.finalResponse` left out of the copy because it is the final item\'s own text (the same string; a clone would copy it again). The state is included because the handle keeps it, and it holds one thing the result does not: the `turn/completed` payload, whose summary repeats the full message text (as the real server sends it). Items are shared between the two and cloned once.',
      'Cross-check: the growth per notification that remains once the caller drops the turn handle and the result (what the client itself keeps).',
      `${count} sample(s); the table gives the median.`,
    ],
    durationMs: performance.now() - began,
  };
}

/**
 * Heap in use after the event loop has settled and a forced GC. Sampled right after a turn, a
 * forced GC left about 5 MB more in large-object space (the size of one of the long last lines),
 * which a heap snapshot did not show and which was gone once the loop had run again; so a
 * sample waits for the loop first.
 */
async function heapUsed(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  forceGc();
  return process.memoryUsage().heapUsed;
}

async function measure(): Promise<Sample> {
  const codex = await Codex.start({ launchArgs: floodArgv({ deltas: DELTAS, firstTurnDeltas: 1_000, pauseAt: MIDWAY, chunkLines: 5_000 }) });
  try {
    const thread = await codex.threadStart();
    await thread.run('warm-up');
    const baseline = await heapUsed();

    const start = performance.now();
    let turn: TurnHandle | undefined = await thread.turn('go');
    let done: Promise<TurnResult> | undefined = turn.run();
    for (const until = Date.now() + 30_000; turn.state.usage === null; ) {
      if (Date.now() > until || turn.done) throw new Error('the midway marker never arrived');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const midway = ((await heapUsed()) - baseline) / (MIDWAY + 3);

    await codex.rawRequest('bench/continue', {});
    let result: TurnResult | undefined = await done;
    const ms = performance.now() - start;
    if (result.status !== 'completed' || result.finalResponse?.length !== expectedTextLength()) {
      throw new Error(`run(): ${result.status}, final response of ${result.finalResponse?.length} characters`);
    }
    const held = await heapUsed();
    // finalResponse is the final item's own text (the same string): leave it out of the copy,
    // or structuredClone would copy that text a second time.
    let copy: unknown = structuredClone({ result: { ...result, finalResponse: null }, state: turn.state });
    const resultBytes = (await heapUsed()) - held;
    copy = undefined;
    result = undefined;
    turn = undefined;
    done = undefined;
    void [copy, result, turn, done];
    const released = ((await heapUsed()) - baseline) / (DELTAS + EXTRA);
    return { midway, end: (held - baseline - resultBytes) / (DELTAS + EXTRA), released, resultBytes, ms };
  } finally {
    await codex.close();
  }
}

/** The fixture's words, cycled, joined (bench/fixtures/flood-server.mjs). */
function expectedTextLength(): number {
  const words = ['The ', 'quick ', 'brown ', 'fox ', 'jumps ', 'over ', 'the ', 'lazy ', 'dog. ', 'Then ', 'it ', 'naps.\n'];
  let length = 0;
  for (let i = 0; i < DELTAS; i++) length += words[i % words.length]!.length;
  return length;
}
