import { describe, expect, it } from 'vitest';
import { AbortError, Codex, type Notification, type Thread, type TurnHandle } from '../../src/index.js';
import { ScriptedModel, output, reply } from '../../src/testing.js';
import { inLanes, maxOf, recordFigures, runSeed, seededRandom, settlement, sleep, tally, within, type Settlement } from '../helpers/reliability.js';

// A turn is aborted (its AbortSignal fires) at a random point of its life, 200 times, on the
// real binary: before it is sent, while turn/start is in flight, right after it is accepted,
// at its k-th event, while the model stalls, after it has completed. Nothing may hang, every
// outcome must be AbortError or the turn's own result, and the thread must take a new turn
// afterwards.

const ABORTS = 200;
const LANES = 4;
const STEP_MS = 15_000;

const POINTS = ['preAborted', 'beforeAnswer', 'afterAccepted', 'atEvent', 'modelStalled', 'afterCompletion'] as const;
type Point = (typeof POINTS)[number];
const REPLIES = ['quick', 'streaming', 'command'] as const;

interface Lane {
  readonly model: ScriptedModel;
  readonly home: { readonly path: string; remove(): Promise<void> };
  readonly codex: Codex;
  readonly thread: Thread;
}

interface Outcome {
  readonly point: Point;
  readonly reply: string;
  /** `notStarted` (turn() rejected), `aborted` (stream and run() threw AbortError), or `completed` first. */
  readonly result: 'notStarted' | 'aborted' | 'completed';
  /** From abort() to the AbortError of run(), when there was one. */
  readonly abortToErrorMs: number | undefined;
  readonly problems: string[];
}

function enqueueFor(model: ScriptedModel, kind: string): void {
  if (kind === 'quick') model.enqueue(reply.message('quick answer'));
  else if (kind === 'streaming') model.enqueue(reply.message('one two three four five six seven eight nine ten', { deltas: 10, eventDelayMs: 8 }));
  else if (kind === 'command') model.enqueue(reply.shell('sleep 0.3'), reply.message('after the command'));
  else model.enqueue(reply.hang({ before: [output.message('stalled', { deltas: 2 })] }));
}

async function abortOnce(lane: Lane, random: () => number, index: number): Promise<Outcome> {
  const { model, thread } = lane;
  const point = POINTS[index % POINTS.length]!;
  // A stalled model needs its reply taken by this turn: only when nothing is left over from earlier.
  const kind = point === 'modelStalled' && model.pendingReplies === 0 ? 'hang' : REPLIES[Math.floor(random() * REPLIES.length)]!;
  const problems: string[] = [];
  const controller = new AbortController();
  const requestsBefore = model.requests.length;
  enqueueFor(model, kind);
  if (point === 'preAborted') controller.abort(new Error('aborted before the call'));

  const starting = settlement(thread.turn(`turn ${index}`, { signal: controller.signal }));
  let abortedAt = 0;
  const abort = (): void => {
    if (controller.signal.aborted) return;
    abortedAt = performance.now();
    controller.abort(new Error(`abort at ${point}`));
  };
  if (point === 'beforeAnswer') abort();
  const started = await within(starting, STEP_MS, `turn() of #${index} (${point})`);
  if (!started.ok) {
    if (!(started.error instanceof AbortError)) problems.push(`turn() rejected with ${String(started.error)}`);
    if (point !== 'preAborted' && point !== 'beforeAnswer') problems.push(`turn() rejected at ${point}`);
    return { point, reply: kind, result: 'notStarted', abortToErrorMs: undefined, problems };
  }
  if (point === 'preAborted') problems.push('a turn started although its signal had fired before the call');
  const turn = started.value as TurnHandle;

  const abortAtEvent = 1 + Math.floor(random() * (kind === 'hang' ? 3 : 8));
  let seen = 0;
  let doneWhenStreamThrew: boolean | undefined;
  const streamed = settlement(
    (async () => {
      const events: Notification[] = [];
      try {
        for await (const n of turn) {
          events.push(n);
          if (point === 'atEvent' && ++seen === abortAtEvent) abort();
        }
      } catch (error) {
        doneWhenStreamThrew = turn.done;
        throw error;
      }
      return events;
    })(),
  );
  const ran = settlement(turn.run());
  if (point === 'afterAccepted') {
    await sleep(random() * 60);
    abort();
  } else if (point === 'modelStalled') {
    await model.waitForRequests(requestsBefore + 1, { timeoutMs: STEP_MS });
    await sleep(random() * 30);
    abort();
  } else if (point === 'afterCompletion') {
    await within(turn.whenDone(), STEP_MS, `turn #${index} to complete`);
    abort();
  }
  const [stream, result] = await within(Promise.all([streamed, ran]), STEP_MS, `turn #${index} (${point}, ${kind}) after its abort`);
  const outcomeOf = (s: Settlement<unknown>): string => (s.ok ? 'ok' : s.error instanceof AbortError ? 'abort' : `error ${String(s.error)}`);
  if (outcomeOf(stream) !== outcomeOf(result)) problems.push(`stream ${outcomeOf(stream)} but run() ${outcomeOf(result)}`);
  for (const s of [stream, result]) if (!s.ok && !(s.error instanceof AbortError)) problems.push(`unexpected ${String(s.error)}`);
  const aborted = !result.ok;
  if (aborted) {
    // AbortError only once the turn has stopped, so the thread is idle when the caller goes on.
    if (!turn.done || doneWhenStreamThrew === false) problems.push('AbortError before the turn had stopped');
    if (turn.state.turn !== undefined && turn.state.status !== 'interrupted' && turn.state.status !== 'completed') {
      problems.push(`aborted turn ended ${turn.state.status}`);
    }
  } else if (point === 'afterCompletion' && !turn.done) problems.push('completed turn not done');
  return {
    point,
    reply: kind,
    result: aborted ? 'aborted' : 'completed',
    abortToErrorMs: aborted ? result.at - abortedAt : undefined,
    problems,
  };
}

/** The thread takes a new turn, which completes; leftover replies of an aborted turn are used up first. */
async function recover(lane: Lane, index: number): Promise<string[]> {
  const problems: string[] = [];
  do {
    if (lane.model.pendingReplies === 0) lane.model.enqueue(reply.message('recovered'));
    const result = await within(settlement(lane.thread.run(`recover after #${index}`)), STEP_MS, `the turn after abort #${index}`);
    if (!result.ok) problems.push(`the turn after abort #${index} failed: ${String(result.error)}`);
    else if (result.value!.status !== 'completed') problems.push(`the turn after abort #${index} ended ${result.value!.status}`);
  } while (lane.model.pendingReplies > 0 && problems.length === 0);
  return problems;
}

describe('reliability: aborting turns at random points', () => {
  it(`never hangs over ${ABORTS} aborts, and the thread takes a new turn after each`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    const lanes: Lane[] = await Promise.all(
      Array.from({ length: LANES }, async () => {
        const model = await ScriptedModel.start();
        const home = await model.createCodexHome();
        const codex = await Codex.start({ codexHome: home.path });
        return { model, home, codex, thread: await codex.threadStart() };
      }),
    );
    try {
      const outcomes = await inLanes(ABORTS, LANES, async (index, lane) => {
        const outcome = await abortOnce(lanes[lane]!, random, index);
        return { ...outcome, problems: [...outcome.problems, ...(await recover(lanes[lane]!, index))] };
      });
      const problems = outcomes.flatMap((o, i) => o.problems.map((p) => `#${i} ${o.point}/${o.reply}: ${p}`));
      expect(problems, `seed ${seed}`).toEqual([]);
      // Each abort point was exercised, and most of them did stop a running turn.
      expect(outcomes.filter((o) => o.point === 'preAborted').every((o) => o.result === 'notStarted')).toBe(true);
      expect(outcomes.filter((o) => o.point === 'modelStalled').every((o) => o.result === 'aborted')).toBe(true);
      expect(outcomes.filter((o) => o.point === 'afterCompletion').every((o) => o.result === 'completed')).toBe(true);

      // The server agrees: no turn of these threads is still in progress.
      for (const lane of lanes) {
        const { thread } = await lane.thread.read({ includeTurns: true });
        expect(thread.turns.filter((t) => t.status === 'inProgress')).toEqual([]);
      }
      const abortLatencies = outcomes.flatMap((o) => (o.abortToErrorMs === undefined ? [] : [o.abortToErrorMs]));
      recordFigures('abort', {
        seed,
        aborts: outcomes.length,
        byPoint: tally(outcomes.map((o) => o.point)),
        byResult: tally(outcomes.map((o) => o.result)),
        byPointAndResult: tally(outcomes.map((o) => `${o.point}:${o.result}`)),
        byReply: tally(outcomes.map((o) => o.reply)),
        recoveredTurns: outcomes.length,
        hung: 0,
        abortToAbortErrorMaxMs: Math.round(maxOf(abortLatencies)),
      });
    } finally {
      for (const lane of lanes) {
        await lane.codex.close();
        await lane.model.close();
        await lane.home.remove();
      }
    }
  }, 150_000);
});
