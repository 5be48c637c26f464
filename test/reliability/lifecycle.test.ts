import { describe, expect, it } from 'vitest';
import { Codex, TransportClosedError } from '../../src/index.js';
import { ScriptedModel, output, reply } from '../../src/testing.js';
import { captureWarnings, isRunning, ownDescendants, settledGrowth, snapshotResources, survivors, descendantsOf } from '../helpers/leaks.js';
import { inLanes, recordFigures, settlement, tally, within } from '../helpers/reliability.js';

// 300 Codex.start() / close() cycles on the real binary, some closed mid-turn, some with work
// still pending: no process, file descriptor or process listener may outlive them, and no
// MaxListenersExceededWarning may be raised.

const CYCLES = 300;
const LANES = 4;
const KINDS = ['idle', 'midTurn', 'pendingRequests', 'viaSignal'] as const;
type Kind = (typeof KINDS)[number];

interface Cycle {
  readonly kind: Kind;
  readonly pid: number;
  readonly children: number[];
  readonly failures: string[];
}

async function cycle(model: ScriptedModel, home: string, kind: Kind): Promise<Cycle> {
  const failures: string[] = [];
  const controller = new AbortController();
  const codex = await Codex.start({ codexHome: home, ...(kind === 'viaSignal' ? { signal: controller.signal } : {}) });
  const pid = codex.pid!;
  let children: number[] = [];
  const pending: Promise<{ ok: boolean; error?: unknown }>[] = [];
  if (kind === 'midTurn') {
    const seen = model.requests.length;
    model.enqueue(reply.hang({ before: [output.message('half', { deltas: 2 })] }));
    const thread = await codex.threadStart();
    const turn = await thread.turn('keep going');
    pending.push(settlement(turn.run()), settlement((async () => { for await (const _ of turn) void _; })()));
    await model.waitForRequests(seen + 1, { timeoutMs: 10_000 });
  } else if (kind === 'pendingRequests') {
    const sleepCommand = { command: ['sleep', '30'], sandboxPolicy: { type: 'dangerFullAccess' as const } };
    pending.push(settlement(codex.request('command/exec', sleepCommand)), settlement(codex.request('thread/list', {})));
  }
  children = descendantsOf(pid).map((p) => p.pid);
  if (kind === 'viaSignal') controller.abort();
  else await codex.close();
  if (kind === 'viaSignal') {
    await within(new Promise((resolve) => codex.on('close', resolve)), 10_000, 'close through the start signal');
    // The signal started close(); calling it again waits for that same close to finish.
    await codex.close();
  }
  for (const outcome of await within(Promise.all(pending), 10_000, `pending calls of a ${kind} cycle`)) {
    // A cheap request may have been answered before the close; anything else must reject as closed.
    if (!outcome.ok && !(outcome.error instanceof TransportClosedError)) failures.push(`${kind}: ${String(outcome.error)}`);
  }
  if (isRunning(pid)) failures.push(`${kind}: codex ${pid} still running after close()`);
  return { kind, pid, children, failures };
}

describe('reliability: start and close, over and over', () => {
  it(`leaks no process, descriptor or listener over ${CYCLES} start/close cycles`, async () => {
    const lanes = await Promise.all(
      Array.from({ length: LANES }, async () => {
        const model = await ScriptedModel.start();
        return { model, home: await model.createCodexHome() };
      }),
    );
    try {
      // One cycle first, so that what Node opens once (its signal handling, DNS, ...) is counted as baseline.
      await cycle(lanes[0]!.model, lanes[0]!.home.path, 'midTurn');
      const warnings = captureWarnings();
      const before = snapshotResources();
      const started = performance.now();
      const cycles = await inLanes(CYCLES, LANES, (index, lane) => cycle(lanes[lane]!.model, lanes[lane]!.home.path, KINDS[index % KINDS.length]!));
      const elapsed = performance.now() - started;

      expect(cycles.flatMap((c) => c.failures)).toEqual([]);
      const pids = cycles.map((c) => c.pid);
      const spawnedByCodex = cycles.flatMap((c) => c.children);
      expect(new Set(pids).size).toBe(CYCLES);
      expect(survivors([...pids, ...spawnedByCodex])).toEqual([]);
      const grown = await settledGrowth(before);
      warnings.stop();
      expect(ownDescendants()).toEqual([]);
      expect(grown).toEqual({ fds: 0, listeners: 0, liveChildren: 0, descendants: 0 });
      const maxListeners = warnings.warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
      expect(maxListeners).toEqual([]);

      recordFigures('lifecycle', {
        cycles: cycles.length,
        kinds: tally(cycles.map((c) => c.kind)),
        processesStartedByCodex: spawnedByCodex.length,
        processesLeft: 0,
        fdGrowth: grown.fds,
        listenerGrowth: grown.listeners,
        liveChildCountAfter: grown.liveChildren,
        maxListenersWarnings: maxListeners.length,
        otherWarnings: warnings.warnings.map((w) => w.name),
        msPerCycle: Math.round(elapsed / CYCLES),
        lanes: LANES,
      });
    } finally {
      for (const { model, home } of lanes) {
        await model.close();
        await home.remove();
      }
    }
    // A guard against a hang, not a speed limit: 300 cycles take about 100 s in CI on two cores
    // and past 120 s when other work shares them.
  }, 240_000);
});
