/**
 * Overload on cue, for testing `retryOnOverload` and `ServerBusyError` handling: launch
 * arguments that run the real app-server behind a small relay which answers chosen requests
 * with the server's own overload reply instead of passing them on.
 *
 * Why a relay: codex sends `-32001 "Server overloaded; retry later."` only when its 128-slot
 * inbound queue is full, which a test cannot arrange reliably. The relay sends exactly that
 * answer (same code, same message, no `data`) for the first N requests of a method, and passes
 * everything else through untouched, so the client's whole path (framing, classification,
 * retry) is the real one.
 */
import { resolveCodexBinary } from '../transport/binary.js';

/**
 * How many requests to refuse: per method, or `'*'` for any method but `initialize` (name
 * `initialize` to make `Codex.start()` itself meet an overload). Counts are used up in order.
 */
export type OverloadPlan = Readonly<Record<string, number>>;

/** Options of {@link overloadLaunchArgs}. */
export interface OverloadLaunchOptions {
  /** The codex executable to run behind the relay. Default: the bundled `@openai/codex` binary. */
  readonly codexPath?: string | undefined;
}

/** The answer codex itself sends when its inbound queue is full (codex 0.169). */
export const OVERLOAD_ERROR = Object.freeze({ code: -32001, message: 'Server overloaded; retry later.' });

/**
 * `launchArgs` for `Codex.start()` that make the server look overloaded: the first
 * `plan[method]` requests of each named method (and then the first `plan['*']` requests of any
 * method but `initialize`) are answered with {@link OVERLOAD_ERROR} and never reach codex.
 * Everything else passes through in order.
 *
 * ```ts
 * await using codex = await Codex.start({ codexHome: home.path, launchArgs: overloadLaunchArgs({ 'thread/list': 2 }) });
 * await retryOnOverload(() => codex.request('thread/list', {})); // two ServerBusyErrors, then the answer
 * ```
 *
 * The relay is a Node process (this Node, `process.execPath`); its script is passed inline, so
 * nothing needs to be on disk. It forwards SIGTERM/SIGINT to codex and exits with it; when the
 * client closes its stdin, codex's stdin closes too and codex exits.
 */
export function overloadLaunchArgs(plan: OverloadPlan, options: OverloadLaunchOptions = {}): string[] {
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
    throw new TypeError(`overloadLaunchArgs: plan must be an object such as { 'thread/list': 2 }, got ${JSON.stringify(plan)}`);
  }
  for (const [method, count] of Object.entries(plan)) {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`overloadLaunchArgs: the count for "${method}" must be a non-negative integer, got ${String(count)}`);
    }
  }
  const binary = resolveCodexBinary(options.codexPath);
  const setup = { plan, error: OVERLOAD_ERROR, helperPath: binary.helperPath ?? null };
  // --input-type: the script is CommonJS even where NODE_OPTIONS says otherwise.
  return [process.execPath, '--input-type=commonjs', '-e', RELAY_SOURCE, JSON.stringify(setup), binary.command, 'app-server'];
}

// The relay, run with `node -e`: argv[1] is the setup JSON, argv[2..] codex's argv (config flags
// that `Codex.start()` appends land there too). Plain JS in a string, so it runs the same from
// the sources, the ESM build and the CJS build. Client lines are read whole (codex's framing is
// one JSON object per line); a line that is not a JSON request passes through unjudged.
const RELAY_SOURCE = String.raw`
const { spawn } = require('node:child_process');
const path = require('node:path');
const { createInterface } = require('node:readline');
const setup = JSON.parse(process.argv[1]);
const [command, ...args] = process.argv.slice(2);
const left = new Map(Object.entries(setup.plan));
const env = { ...process.env };
if (setup.helperPath) env.PATH = env.PATH ? setup.helperPath + path.delimiter + env.PATH : setup.helperPath;
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
child.stdin.on('error', () => {});
child.on('error', (error) => {
  process.stderr.write('overload relay: cannot run ' + command + ': ' + error.message + '\n');
  process.exit(127);
});
// codex's lines go through here too, so a refusal never lands inside one of them.
createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => process.stdout.write(line + '\n'));
function refuse(message) {
  if (message === null || typeof message !== 'object' || typeof message.method !== 'string' || message.id === undefined) return false;
  const keys = message.method === 'initialize' ? ['initialize'] : [message.method, '*'];
  for (const key of keys) {
    const count = left.get(key);
    if (count !== undefined && count > 0) {
      left.set(key, count - 1);
      return true;
    }
  }
  return false;
}
createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  let message;
  try { message = JSON.parse(line); } catch { message = undefined; }
  if (refuse(message)) process.stdout.write(JSON.stringify({ id: message.id, error: setup.error }) + '\n');
  else child.stdin.write(line + '\n');
});
process.stdin.on('end', () => child.stdin.end());
const forward = (sig) => child.kill(sig);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, forward);
// 'close': codex has exited and its last lines are through. Then end the same way it did.
child.on('close', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 0);
});
`;
