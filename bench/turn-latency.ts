/**
 * Benchmark 1, turn latency: ten sequential one-message turns on one thread against the scripted
 * model, startup and shutdown included. This SDK vs the hand-written JSONL client (the floor) vs
 * `@openai/codex-sdk`, all on the same native binary and the same `CODEX_HOME`.
 */
import { Codex as OpenAICodex } from '@openai/codex-sdk';
import { Codex } from '../src/index.js';
import { reply } from '../src/testing.js';
import { fmt, interleave, times, log, row, target, time, type BenchResult, type CaseOptions } from './harness.js';
import { JsonlClient } from './jsonl-client.js';
import { scriptedEnvironment, type ScriptedEnvironment } from './scripted-env.js';

const TURNS = 10;
const REPLY = 'Sure: here is a short, scripted answer to your message.';
/** What `Codex.threadStart()` sends by default (approvalMode autoReview); the floor sends the same. */
const THREAD_START_PARAMS = { approvalPolicy: 'on-request', approvalsReviewer: 'auto_review' };

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  await using env = await scriptedEnvironment();
  const check = (variant: string, turn: number, text: string | null | undefined): void => {
    if (text !== REPLY) throw new Error(`${variant}: turn ${turn} answered ${JSON.stringify(text)}`);
  };
  const enqueue = (): void => void env.model.enqueue(reply.message(REPLY, { deltas: 8 }));

  const sdk = async (): Promise<void> => {
    const codex = await Codex.start({ codexHome: env.home.path });
    try {
      const thread = await codex.threadStart();
      for (let i = 0; i < TURNS; i++) {
        enqueue();
        check('sdk', i, (await thread.run(`message ${i}`)).finalResponse);
      }
    } finally {
      await codex.close();
    }
  };
  const floor = async (): Promise<void> => {
    const client = await JsonlClient.start({ argv: env.appServerArgv, env: env.env });
    try {
      const threadId = await client.threadStart(THREAD_START_PARAMS);
      for (let i = 0; i < TURNS; i++) {
        enqueue();
        const done = await client.runTurn(threadId, `message ${i}`);
        if (done.turn.status !== 'completed') throw new Error(`floor: turn ${i} ended ${done.turn.status}`);
      }
    } finally {
      await client.close();
    }
  };
  const openai = async (): Promise<void> => {
    const codex = new OpenAICodex({ codexPathOverride: env.codexPath, env: env.env });
    const thread = codex.startThread({ skipGitRepoCheck: true, workingDirectory: process.cwd() });
    for (let i = 0; i < TURNS; i++) {
      enqueue();
      check('@openai/codex-sdk', i, (await thread.run(`message ${i}`)).finalResponse);
    }
  };

  const samples = await interleave(
    [
      { name: 'sdk', run: () => time(sdk) },
      { name: 'floor', run: () => time(floor) },
      { name: 'openai', run: () => time(openai) },
    ],
    {
      warmup: 1,
      rounds: options.quick ? 3 : 9,
      budgetMs: options.quick ? 20_000 : 75_000,
      onSample: (name, round, ms) => log(`  turn-latency ${name} #${round}: ${fmt(ms)} ms`),
    },
  );
  assertNoLeftovers(env);

  const floorRow = row('hand-written JSONL client (floor)', 'ms', samples.get('floor')!);
  const sdkRow = row('codex-app-server-sdk', 'ms', samples.get('sdk')!, floorRow);
  const openaiRow = row('@openai/codex-sdk 0.163.0', 'ms', samples.get('openai')!, floorRow);
  const speedup = openaiRow.median / sdkRow.median;
  return {
    name: 'turn-latency',
    title: '1. Turn latency (10 turns + startup)',
    rows: [floorRow, sdkRow, openaiRow],
    targets: [
      target('SDK ≤ 1.05x hand-written client', times(sdkRow.ratio!.value), sdkRow.ratio!.value <= 1.05),
      target('SDK ≥ 3x faster than @openai/codex-sdk', `${times(speedup)} faster`, speedup >= 3),
    ],
    notes: [
      `One sample: start the client (spawn + initialize), start a thread, run ${TURNS} one-message turns one after another (each a scripted ${REPLY.length}-character reply in 8 deltas), close and wait for the process to exit.`,
      'The SDK and the floor send the same thread/start params (the SDK default, approvalMode autoReview). @openai/codex-sdk runs `codex exec --experimental-json` once per turn (`resume <thread>` from the second on) with the same binary (codexPathOverride), environment and CODEX_HOME.',
      `@openai/codex-sdk takes ${times(speedup)} as long as this SDK, and ${times(openaiRow.ratio!.value)} as long as the floor (median over median): the floor bounds what any app-server client can reach against it here.`,
    ],
    durationMs: performance.now() - began,
  };
}

function assertNoLeftovers(env: ScriptedEnvironment): void {
  if (env.model.pendingReplies !== 0) throw new Error(`${env.model.pendingReplies} scripted replies were never requested`);
}
