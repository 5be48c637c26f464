/**
 * Benchmark 2, startup: `Codex.start()` + `close()` against spawning `codex app-server` by hand,
 * sending `initialize` and `initialized`, and closing it the same way (end stdin, wait for exit).
 */
import { Codex } from '../src/index.js';
import { fmt, interleave, times, log, row, target, time, type BenchResult, type CaseOptions } from './harness.js';
import { JsonlClient } from './jsonl-client.js';
import { scriptedEnvironment } from './scripted-env.js';

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  await using env = await scriptedEnvironment();
  const samples = await interleave(
    [
      {
        name: 'sdk',
        run: () =>
          time(async () => {
            const codex = await Codex.start({ codexHome: env.home.path });
            await codex.close();
          }),
      },
      {
        name: 'floor',
        run: () =>
          time(async () => {
            const client = await JsonlClient.start({ argv: env.appServerArgv, env: env.env });
            await client.close();
          }),
      },
    ],
    {
      warmup: 2,
      // Cheap samples, but the server's own startup varies by more than the SDK adds to it:
      // many rounds, so that the medians settle.
      rounds: options.quick ? 11 : 51,
      budgetMs: options.quick ? 8_000 : 30_000,
      onSample: (name, round, ms) => log(`  startup ${name} #${round}: ${fmt(ms)} ms`),
    },
  );
  const floor = row('spawn + initialize by hand, close (floor)', 'ms', samples.get('floor')!);
  const sdk = row('Codex.start() + close()', 'ms', samples.get('sdk')!, floor);
  return {
    name: 'startup',
    title: '2. Startup',
    rows: [floor, sdk],
    targets: [target('SDK ≤ 1.05x by hand', times(sdk.ratio!.value), sdk.ratio!.value <= 1.05)],
    notes: [
      'One sample: spawn the native binary with the same environment and CODEX_HOME, `initialize` (same capabilities), `initialized`, then end stdin and wait for the process to exit.',
    ],
    durationMs: performance.now() - began,
  };
}
