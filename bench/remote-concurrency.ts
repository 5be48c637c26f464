/**
 * Benchmark 8, aggregate turns/s for 32 concurrent threads: all on one app-server, against
 * spread round-robin over three, each reached with `Codex.connect()` over a WebSocket on
 * 127.0.0.1. Every turn is checked as in benchmark 5 (its own reply, no cross-talk).
 */
import { Codex, type Thread } from '../src/index.js';
import { startAppServer, type AppServer, type TemporaryCodexHome } from '../src/testing.js';
import { runBatch } from './concurrency.js';
import { fmt, interleave, times, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { scriptedEnvironment } from './scripted-env.js';

const THREADS = 32;
const SERVERS = 3;

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  await using env = await scriptedEnvironment();
  const homes: TemporaryCodexHome[] = [];
  const servers: AppServer[] = [];
  const clients: Codex[] = [];
  try {
    for (let i = 0; i < SERVERS; i++) {
      const home = await env.model.createCodexHome({ prefix: 'codex-bench-home-' });
      homes.push(home);
      const server = await startAppServer({ codexHome: home.path, listen: 'ws' });
      servers.push(server);
      clients.push(await Codex.connect({ url: server.url, tokenFile: server.tokenFile }));
    }
    let round = 0;
    let checked = 0;
    const batch = (spread: number) => async (): Promise<number> => {
      round += 1;
      const threads: Thread[] = await Promise.all(Array.from({ length: THREADS }, (_, i) => clients[i % spread]!.threadStart()));
      const start = performance.now();
      await runBatch(env, threads, round);
      const ms = performance.now() - start;
      checked += THREADS;
      return (THREADS / ms) * 1000;
    };
    const samples = await interleave(
      [
        { name: 'one', run: batch(1) },
        { name: 'three', run: batch(SERVERS) },
      ],
      {
        warmup: 1,
        rounds: options.quick ? 3 : 5,
        budgetMs: options.quick ? 15_000 : 45_000,
        onSample: (name, r, rate) => log(`  remote-concurrency ${name} #${r}: ${fmt(rate)} turns/s`),
      },
    );
    const one = row(`${THREADS} threads on 1 server (WebSocket)`, 'turns/s', samples.get('one')!);
    const three = row(`${THREADS} threads over ${SERVERS} servers (WebSocket)`, 'turns/s', samples.get('three')!, one);
    return {
      name: 'remote-concurrency',
      title: `8. ${THREADS} concurrent threads, 1 server vs ${SERVERS}`,
      rows: [one, three],
      targets: [target(`${THREADS} concurrent turns all complete, no cross-talk, on 1 and on ${SERVERS} servers`, `${fmt(checked)} turns checked`, true)],
      notes: [
        `${SERVERS} real app-servers on 127.0.0.1 (capability token, one CODEX_HOME each, one scripted model), one client connected to each, from one process. One sample: start ${THREADS} threads (untimed), then time from starting every turn at once to the last turn's end; turns/s = ${THREADS} / that time. Spread over ${SERVERS} servers: ${times(three.ratio!.value)} the rate of one.`,
        'On a 2-core machine the three servers share the same two cores as the client and the scripted model: this shows the SDK’s cost of spreading threads over connections, not what three hosts would give.',
      ],
      durationMs: performance.now() - began,
    };
  } finally {
    await Promise.all(clients.map((codex) => codex.close()));
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(homes.map((home) => home.remove()));
  }
}
