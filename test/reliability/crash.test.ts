import { describe, expect, it } from 'vitest';
import { Codex, TransportClosedError } from '../../src/index.js';
import { ScriptedModel, output, reply } from '../../src/testing.js';
import { descendantsOf, ownDescendants, settledGrowth, snapshotResources, survivors, isRunning } from '../helpers/leaks.js';
import { eventually } from '../helpers/fake-server.js';
import { inLanes, maxOf, percentile, recordFigures, runSeed, seededRandom, settlement, sleep, tally, within, type Settlement } from '../helpers/reliability.js';

// The app-server is SIGKILLed in the middle of a turn, 50 times, on the real binary. Each time,
// everything the caller is waiting on must reject with TransportClosedError within one second
// of the kill, and no process (codex, or a command it ran) may be left.

const KILLS = 50;
const LANES = 5;
const BOUND_MS = 1_000;
const MODES = ['modelStalled', 'commandRunning', 'streaming'] as const;
type Mode = (typeof MODES)[number];

interface KillRun {
  readonly mode: Mode;
  /** Latency, from the kill, of each promise that was pending at the kill. */
  readonly latencies: number[];
  readonly errors: unknown[];
  readonly notificationsEnded: boolean;
  readonly closeEvent: boolean;
  readonly descendantsAtKill: number;
  readonly leftProcesses: string[];
  readonly closedByCaller: boolean;
}

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of iterable) count++;
  return count;
}

async function killOnce(model: ScriptedModel, home: string, mode: Mode, random: () => number, index: number): Promise<KillRun> {
  // Two request slots: two command/exec calls fill them, so the third waits in the local queue.
  const codex = await Codex.start({ codexHome: home, maxInFlightRequests: 2 });
  const thread = await codex.threadStart();
  const seenRequests = model.requests.length;
  if (mode === 'modelStalled') model.enqueue(reply.hang({ before: [output.message('partial answer', { deltas: 3 })] }));
  else if (mode === 'commandRunning') model.enqueue(reply.shell('sleep 30'));
  else model.enqueue(reply.message('word '.repeat(200).trim(), { deltas: 200, eventDelayMs: 5 }));

  const turn = await thread.turn('work until killed');
  const everything = settlement(drain(codex.notifications()));
  const closeEvent = new Promise<boolean>((resolve) => codex.on('close', (error) => resolve(error instanceof TransportClosedError)));
  const pending: Promise<Settlement<unknown>>[] = [
    settlement(drain(turn)),
    settlement(drain(turn.text())),
    settlement(turn.run()),
    // Queued behind the running turn: it must not wait forever for a turn that will never end.
    settlement(thread.turn('queued behind the running turn')),
  ];
  await model.waitForRequests(seenRequests + 1, { timeoutMs: 10_000 });
  const sleepCommand = { command: ['sleep', '30'], sandboxPolicy: { type: 'dangerFullAccess' as const } };
  // Two in flight, one in the local admission queue.
  for (let i = 0; i < 3; i++) pending.push(settlement(codex.request('command/exec', sleepCommand)));
  // The two admitted commands (and, in that mode, the model's command) run before the kill, so
  // their processes are among those that must not survive it.
  const sleeping = mode === 'commandRunning' ? 3 : 2;
  await eventually(() => descendantsOf(codex.pid!).filter((p) => p.cmdline === 'sleep 30').length >= sleeping, 5_000);
  await sleep(random() * 150);

  const pid = codex.pid!;
  const atKill = descendantsOf(pid).map((p) => p.pid);
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  const settled = await within(Promise.all(pending), 10_000, `kill #${index} (${mode}): the pending calls`);
  const latencies = settled.map((s) => s.at - killedAt);
  const notificationsEnded = (await within(everything, 10_000, 'notifications()')).ok;
  const closed = await within(closeEvent, 10_000, 'the close event');

  // Half of the runs never call close(): a dead client must not need it to release anything.
  const closedByCaller = index % 2 === 0;
  if (closedByCaller) await codex.close();
  await eventually(() => !isRunning(pid) && survivors(atKill).length === 0, 5_000);
  const left = [pid, ...atKill].filter(isRunning).map((p) => `${p}`);
  return {
    mode,
    latencies,
    errors: settled.map((s) => (s.ok ? 'resolved' : s.error)),
    notificationsEnded,
    closeEvent: closed,
    descendantsAtKill: atKill.length,
    leftProcesses: left,
    closedByCaller,
  };
}

describe('reliability: the app-server is SIGKILLed mid-turn', () => {
  it(`rejects everything pending with TransportClosedError within ${BOUND_MS} ms, ${KILLS} times, and leaves no process`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    const lanes = await Promise.all(
      Array.from({ length: LANES }, async () => {
        const model = await ScriptedModel.start();
        return { model, home: await model.createCodexHome() };
      }),
    );
    const before = snapshotResources();
    try {
      const runs = await inLanes(KILLS, LANES, (index, lane) =>
        killOnce(lanes[lane]!.model, lanes[lane]!.home.path, MODES[index % MODES.length]!, random, index),
      );

      const latencies = runs.flatMap((run) => run.latencies);
      const errors = runs.flatMap((run) => run.errors);
      const notTransportClosed = errors.filter((e) => !(e instanceof TransportClosedError));
      expect(notTransportClosed, `seed ${seed}`).toEqual([]);
      expect(errors.every((e) => (e as TransportClosedError).signal === 'SIGKILL')).toBe(true);
      expect(latencies.filter((ms) => ms > BOUND_MS), `seed ${seed}: rejections later than ${BOUND_MS} ms`).toEqual([]);
      expect(runs.every((run) => run.notificationsEnded && run.closeEvent)).toBe(true);
      expect(runs.flatMap((run) => run.leftProcesses)).toEqual([]);
      // Every run had at least the two admitted command/exec processes running under codex.
      expect(runs.every((run) => run.descendantsAtKill >= 2)).toBe(true);

      for (const { model, home } of lanes) {
        await model.close();
        await home.remove();
      }
      const grown = await settledGrowth(before);
      expect(grown).toEqual({ fds: expect.any(Number), listeners: 0, liveChildren: 0, descendants: 0 });
      expect(grown.fds).toBeLessThanOrEqual(0);
      expect(ownDescendants()).toEqual([]);

      recordFigures('crash', {
        seed,
        kills: runs.length,
        modes: tally(runs.map((run) => run.mode)),
        rejectedCalls: errors.length,
        allTransportClosed: notTransportClosed.length === 0,
        latencyMaxMs: Math.round(maxOf(latencies) * 10) / 10,
        latencyP50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
        latencyP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
        processesUnderCodexAtKill: runs.reduce((sum, run) => sum + run.descendantsAtKill, 0),
        processesLeft: runs.flatMap((run) => run.leftProcesses).length,
        runsNotClosedByCaller: runs.filter((run) => !run.closedByCaller).length,
        fdGrowth: grown.fds,
        listenerGrowth: grown.listeners,
      });
    } finally {
      for (const { model, home } of lanes) {
        await model.close();
        await home.remove();
      }
    }
  }, 90_000);
});
