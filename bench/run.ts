/**
 * `npm run bench [-- --quick] [-- --only=throughput,memory] [-- --no-write]`
 *
 * Runs each benchmark in a child process of its own (fresh heap, `--expose-gc`, a deadline, its
 * servers gone when it ends), prints a table and the JSON of every result, and writes the
 * results into BENCHMARKS.md between its result markers. `--cpu-prof` passes Node's flag to the
 * children (profiles land in `--cpu-prof-dir`, default the system temp dir).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable, formatTargets, log, type BenchResult, type CaseOptions } from './harness.js';
import { environmentReport, type EnvironmentReport } from './environment.js';

/** Every benchmark, in the order they run, with the longest it may take (full run). */
const CASES: Readonly<Record<string, { readonly module: string; readonly deadlineMs: number }>> = {
  'turn-latency': { module: './turn-latency.js', deadlineMs: 120_000 },
  startup: { module: './startup.js', deadlineMs: 60_000 },
  throughput: { module: './throughput.js', deadlineMs: 90_000 },
  memory: { module: './memory.js', deadlineMs: 60_000 },
  concurrency: { module: './concurrency.js', deadlineMs: 60_000 },
  'remote-latency': { module: './remote-latency.js', deadlineMs: 240_000 },
  'remote-throughput': { module: './remote-throughput.js', deadlineMs: 300_000 },
  'remote-concurrency': { module: './remote-concurrency.js', deadlineMs: 300_000 },
};

const RESULT_MARKER = '@@bench-result@@';
const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const value = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

async function runChild(name: string): Promise<void> {
  const spec = CASES[name];
  if (spec === undefined) throw new Error(`unknown benchmark ${name}`);
  const bench = (await import(spec.module)) as { run(options: CaseOptions): Promise<BenchResult> };
  const result = await bench.run({ quick: flag('quick') });
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const only = value('only')?.split(',');
  const names = Object.keys(CASES).filter((name) => only === undefined || only.includes(name));
  const unknown = only?.filter((name) => !(name in CASES)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(CASES).join(', ')}`);

  const environment = await environmentReport(commandLine());
  log(`Benchmarks on ${environment.machine.cpu} (${environment.machine.cores} cores), Node ${environment.versions.node}${quick ? ', quick run' : ''}`);
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const name of names) {
    log(`\n== ${name}`);
    try {
      results.push(await runInChild(name, quick));
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`!! ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const table = formatTable(results);
  const targets = formatTargets(results);
  process.stdout.write(`\n${table}\n\n${targets}\n\n`);
  process.stdout.write(`${JSON.stringify({ environment, quick, results, failures }, null, 2)}\n`);
  if (!flag('no-write') && failures.length === 0 && only === undefined) {
    await writeReport(environment, quick, results);
    log(`\nWrote ${BENCHMARKS_MD}`);
  } else if (!flag('no-write')) {
    log('\nBENCHMARKS.md not written: only a full, successful run of every benchmark is recorded there.');
  }
  if (failures.length > 0) process.exitCode = 1;
}

/** The process group of the benchmark running now, killed if this runner is interrupted. */
let running: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    // The child runs in a process group of its own, which a Ctrl-C on the terminal does not reach.
    killGroup(running);
    process.exit(130);
  });
}

/** Runs one benchmark in its own process and returns what it reported. */
function runInChild(name: string, quick: boolean): Promise<BenchResult> {
  const script = fileURLToPath(import.meta.url);
  const profile = flag('cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${value('cpu-prof-dir') ?? os.tmpdir()}`] : [];
  const argv = [...process.execArgv, '--expose-gc', ...profile, script, `--child=${name}`, ...(quick ? ['--quick'] : [])];
  const deadlineMs = CASES[name]!.deadlineMs;
  return new Promise((resolve, reject) => {
    // Its own process group, so that on a deadline the benchmark and every server it spawned go together.
    const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    running = proc.pid;
    let output = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      log(`!! ${name} passed its ${deadlineMs / 1000} s deadline: killing it`);
      killGroup(proc.pid);
    }, deadlineMs);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the outcome, nothing of the benchmark may outlive it.
      killGroup(proc.pid);
      running = undefined;
      const line = output.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult);
      else reject(new Error(`exited with ${signal ?? code}`));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function commandLine(): string {
  const passed = args.filter((arg) => !arg.startsWith('--child='));
  return `npm run bench${passed.length > 0 ? ` -- ${passed.join(' ')}` : ''}`;
}

async function writeReport(environment: EnvironmentReport, quick: boolean, results: readonly BenchResult[]): Promise<void> {
  let current = '';
  try {
    current = await readFile(BENCHMARKS_MD, 'utf8');
  } catch {
    // First run: the file is created with the markers.
  }
  const section = [
    START,
    '',
    `Last run: ${environment.date}${quick ? ' (quick run: fewer rounds)' : ''}, \`${environment.command}\`.`,
    '',
    `- Machine: ${environment.machine.cpu}, ${environment.machine.cores} cores, ${environment.machine.memoryGiB} GiB memory, ${environment.machine.os}`,
    `- Versions: Node ${environment.versions.node}, codex ${environment.versions.codex}, codex-app-server-sdk ${environment.versions.sdk} (${environment.versions.git}), @openai/codex-sdk ${environment.versions.openaiCodexSdk}, vscode-jsonrpc ${environment.versions.vscodeJsonrpc}`,
    '',
    '### Results',
    '',
    'Medians of interleaved samples (A B A B ...) in one process run per benchmark; a ratio is the median over the median of the first row of the same benchmark.',
    '',
    formatTable(results),
    '',
    '### Targets',
    '',
    formatTargets(results),
    '',
    '### How each was measured',
    '',
    ...results.flatMap((result) => [`**${result.title}** (${(result.durationMs / 1000).toFixed(1)} s)`, '', ...result.notes.map((note) => `- ${note}`), '']),
    END,
  ].join('\n');
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start !== -1 && end > start ? current.slice(0, start) + section + current.slice(end + END.length) : `# Benchmarks\n\n${section}\n`;
  await writeFile(BENCHMARKS_MD, next, 'utf8');
}

// Last, so that every declaration above is initialized before anything runs.
const child = value('child');
if (child !== undefined) await runChild(child);
else await main();
