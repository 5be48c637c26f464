/**
 * Benchmark 3, notification throughput: a stand-in server (bench/fixtures/flood-server.mjs, via
 * `launchArgs`) answers `turn/start` with one turn of 200,000 `item/agentMessage/delta`
 * notifications, then `turn/completed`. Notifications per second through `for await` on the
 * turn, through `run()` and through `text()`, against the floor: the same bytes from the same
 * writer read with `readline` + `JSON.parse`. A reader that only counts newlines shows what the
 * writer and the pipe can do, so the writer is known not to be the bottleneck.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Codex } from '../src/index.js';
import { fmt, interleave, times, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { JsonlClient } from './jsonl-client.js';

export const FLOOD_SERVER = fileURLToPath(new URL('./fixtures/flood-server.mjs', import.meta.url));

export function floodArgv(config: { deltas: number; firstTurnDeltas?: number; pauseAt?: number; chunkLines?: number }): string[] {
  return [process.execPath, FLOOD_SERVER, JSON.stringify(config)];
}

/** The fixture's turn: turn/started, item/started, the deltas, item/completed, turn/completed. */
const EXTRA_NOTIFICATIONS = 4;

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  const deltas = 200_000;
  const total = deltas + EXTRA_NOTIFICATIONS;
  const argv = floodArgv({ deltas });

  /** Starts a client on a fresh fixture, times one turn, closes it; returns notifications/s. */
  const sdkSample = (consume: (codex: Codex) => Promise<{ ms: number; seen: number }>, validateNotifications = false) => async (): Promise<number> => {
    const codex = await Codex.start({ launchArgs: argv, validateNotifications });
    try {
      const { ms, seen } = await consume(codex);
      if (seen !== total && seen !== deltas) throw new Error(`saw ${seen} notifications, expected ${total}`);
      return (total / ms) * 1000;
    } finally {
      await codex.close();
    }
  };

  const iterate = sdkSample(async (codex) => {
    const thread = await codex.threadStart();
    const start = performance.now();
    let seen = 0;
    for await (const _ of await thread.turn('go')) seen++;
    return { ms: performance.now() - start, seen };
  });
  // The same loop with every notification checked against its schema (opt-in).
  const iterateValidated = sdkSample(async (codex) => {
    const thread = await codex.threadStart();
    const start = performance.now();
    let seen = 0;
    for await (const _ of await thread.turn('go')) seen++;
    return { ms: performance.now() - start, seen };
  }, true);
  const runResult = sdkSample(async (codex) => {
    const thread = await codex.threadStart();
    const start = performance.now();
    const result = await thread.run('go');
    const ms = performance.now() - start;
    if (result.status !== 'completed' || result.items.length !== 1) throw new Error(`run(): ${result.status}, ${result.items.length} items`);
    return { ms, seen: total };
  });
  const text = sdkSample(async (codex) => {
    const thread = await codex.threadStart();
    const start = performance.now();
    let seen = 0;
    for await (const _ of (await thread.turn('go')).text()) seen++;
    return { ms: performance.now() - start, seen };
  });
  const floor = async (): Promise<number> => {
    const client = await JsonlClient.start({ argv });
    try {
      const threadId = await client.threadStart();
      const start = performance.now();
      let seen = 0;
      await client.runTurn(threadId, 'go', () => seen++);
      const ms = performance.now() - start;
      if (seen !== total) throw new Error(`floor saw ${seen} notifications, expected ${total}`);
      return (total / ms) * 1000;
    } finally {
      await client.close();
    }
  };
  const writer = (): Promise<number> => newlineCeiling(argv, total);

  const samples = await interleave(
    [
      { name: 'writer', run: writer },
      { name: 'floor', run: floor },
      { name: 'iterate', run: iterate },
      { name: 'iterateValidated', run: iterateValidated },
      { name: 'run', run: runResult },
      { name: 'text', run: text },
    ],
    {
      warmup: 1,
      rounds: options.quick ? 3 : 9,
      budgetMs: options.quick ? 15_000 : 60_000,
      onSample: (name, round, rate) => log(`  throughput ${name} #${round}: ${fmt(rate)} notifications/s`),
    },
  );

  const unit = 'notif/s';
  const floorRow = row('floor: readline + JSON.parse', unit, samples.get('floor')!);
  const writerRow = row('writer ceiling: count newlines, no parsing', unit, samples.get('writer')!, floorRow);
  const iterateRow = row('SDK: for await (const n of turn)', unit, samples.get('iterate')!, floorRow);
  const validatedRow = row('SDK: for await, validateNotifications: true', unit, samples.get('iterateValidated')!, floorRow);
  const runRow = row('SDK: turn.run()', unit, samples.get('run')!, floorRow);
  const textRow = row('SDK: for await (const d of turn.text())', unit, samples.get('text')!, floorRow);
  return {
    name: 'throughput',
    title: '3. Notification throughput (200k deltas)',
    rows: [floorRow, writerRow, iterateRow, validatedRow, runRow, textRow],
    targets: [
      target('for await ≥ 0.8x floor', times(iterateRow.ratio!.value), iterateRow.ratio!.value >= 0.8),
      target('run() ≥ 0.8x floor', times(runRow.ratio!.value), runRow.ratio!.value >= 0.8),
      target('text() ≥ 0.8x floor', times(textRow.ratio!.value), textRow.ratio!.value >= 0.8),
      target('for await ≥ 300,000 notifications/s', `${fmt(iterateRow.median)}/s`, iterateRow.median >= 300_000),
    ],
    notes: [
      `One sample: spawn the fixture and handshake (untimed), then time from sending turn/start to the end of the turn: ${fmt(total)} notifications (${fmt(deltas)} deltas of one word, about 245 bytes a line, like the real binary's), then close. Rate = ${fmt(total)} / that time.`,
      'The fixture builds each turn as one buffer before it is asked for and writes it with one write call (synchronous on a Linux pipe), so its cost is the copy into the pipe. The writer ceiling reads the same bytes and only counts newlines.',
      'The consumer does nothing with each notification but count it; text() yields the delta strings.',
    ],
    durationMs: performance.now() - began,
  };
}

/** Reads the turn's bytes and counts newlines only: the writer's and the pipe's ceiling. */
async function newlineCeiling(argv: readonly string[], total: number): Promise<number> {
  const [command, ...args] = argv;
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let lines = 0;
    let wanted = 2;
    let reached: (() => void) | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
      if (lines >= wanted) reached?.();
    });
    const until = (count: number): Promise<void> =>
      new Promise((resolve) => {
        wanted = count;
        if (lines >= count) resolve();
        else reached = resolve;
      });
    child.stdin.write('{"id":0,"method":"initialize","params":{}}\n{"id":1,"method":"thread/start","params":{}}\n');
    await until(2);
    const start = performance.now();
    child.stdin.write('{"id":2,"method":"turn/start","params":{}}\n');
    await until(2 + 1 + total);
    return (total / (performance.now() - start)) * 1000;
  } finally {
    child.stdin.end();
    await exited;
  }
}
