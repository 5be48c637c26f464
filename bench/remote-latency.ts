/**
 * Benchmark 6, turn latency by transport: ten sequential one-message turns on one thread,
 * against the real app-server over stdio (`Codex.start`), over a WebSocket on 127.0.0.1 with a
 * capability token, and over a Unix socket (`Codex.connect`). Clients are connected before
 * timing: this compares the turns, not the startup (a connect spawns nothing).
 */
import { Codex } from '../src/index.js';
import { reply, startAppServer } from '../src/testing.js';
import { fmt, interleave, times, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { scriptedEnvironment } from './scripted-env.js';

const TURNS = 10;
const REPLY = 'Sure: here is a short, scripted answer to your message.';

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  await using env = await scriptedEnvironment();
  // One CODEX_HOME per server: two live servers never share one.
  await using wsHome = await env.model.createCodexHome({ prefix: 'codex-bench-home-' });
  await using unixHome = await env.model.createCodexHome({ prefix: 'codex-bench-home-' });
  await using wsServer = await startAppServer({ codexHome: wsHome.path, listen: 'ws' });
  await using unixServer = await startAppServer({ codexHome: unixHome.path, listen: 'unix' });
  const clients = {
    stdio: await Codex.start({ codexHome: env.home.path }),
    ws: await Codex.connect({ url: wsServer.url, tokenFile: wsServer.tokenFile }),
    unix: await Codex.connect({ url: unixServer.url }),
  };
  try {
    const sample = (codex: Codex, name: string) => async (): Promise<number> => {
      const thread = await codex.threadStart();
      const start = performance.now();
      for (let i = 0; i < TURNS; i++) {
        env.model.enqueue(reply.message(REPLY, { deltas: 8 }));
        const result = await thread.run(`message ${i}`);
        if (result.finalResponse !== REPLY) throw new Error(`${name}: turn ${i} answered ${JSON.stringify(result.finalResponse)}`);
      }
      return performance.now() - start;
    };
    const samples = await interleave(
      [
        { name: 'stdio', run: sample(clients.stdio, 'stdio') },
        { name: 'ws', run: sample(clients.ws, 'ws') },
        { name: 'unix', run: sample(clients.unix, 'unix') },
      ],
      {
        warmup: 1,
        rounds: options.quick ? 3 : 9,
        budgetMs: options.quick ? 20_000 : 60_000,
        onSample: (name, round, ms) => log(`  remote-latency ${name} #${round}: ${fmt(ms)} ms`),
      },
    );
    const stdioRow = row(`stdio (Codex.start), ${TURNS} turns`, 'ms', samples.get('stdio')!);
    const wsRow = row(`WebSocket, 127.0.0.1 + token (Codex.connect), ${TURNS} turns`, 'ms', samples.get('ws')!, stdioRow);
    const unixRow = row(`Unix socket (Codex.connect), ${TURNS} turns`, 'ms', samples.get('unix')!, stdioRow);
    return {
      name: 'remote-latency',
      title: '6. Turn latency by transport (10 turns, connected)',
      rows: [stdioRow, wsRow, unixRow],
      targets: [
        target('WebSocket ≤ 1.10x stdio', times(wsRow.ratio!.value), wsRow.ratio!.value <= 1.1),
        target('Unix socket ≤ 1.10x stdio', times(unixRow.ratio!.value), unixRow.ratio!.value <= 1.1),
      ],
      notes: [
        `Three real app-servers (one per transport, each with its own CODEX_HOME, all on one scripted model), each with one client connected before timing. One sample: start a thread (untimed), then ${TURNS} one-message turns one after another, each a scripted ${REPLY.length}-character reply in 8 deltas.`,
        'The WebSocket server runs `codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token --ws-token-file FILE`; the Unix one `--listen unix://PATH`.',
      ],
      durationMs: performance.now() - began,
    };
  } finally {
    await Promise.all(Object.values(clients).map((codex) => codex.close()));
  }
}
