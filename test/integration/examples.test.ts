import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCHEMA_CODEX_VERSION } from '../../src/index.js';

// Every program in examples/ runs as a user would run it (`node --import tsx examples/<name>.ts`,
// offline against the scripted model), and its output shows what the example is meant to show.
// They run two at a time (each one is a child process with its own scripted model, CODEX_HOME
// and app-server): quick, without starving the test files that run alongside on a small machine.

const execFileAsync = promisify(execFile);
const root = new URL('../../', import.meta.url);
/** Every example; the last test checks that this is exactly what examples/ holds. */
const EXAMPLES = [
  'quickstart',
  'streaming-ui',
  'approvals',
  'structured-output',
  'interrupt-and-abort',
  'threads',
  'errors-and-retry',
  'inputs',
  'raw-protocol',
  'fleet',
  'local-tools',
  'tracing',
  'goals',
  'review',
  'run-result',
  'models',
  'model-selection',
  'deadlines',
  'many-threads',
  'testing-your-code',
  'local-image',
  'login',
  'resume',
  'chat',
  'turn-options',
  'connect',
  'shared-server',
] as const;

const MAX_PARALLEL = 2;
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `examples/<name>.ts` offline (CODEX_DEMO_LIVE unset) and returns its stdout. */
async function runExample(
  name: (typeof EXAMPLES)[number],
  args: readonly string[] = [],
  timeoutMs = 40_000,
  extra: { readonly input?: string; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<string> {
  while (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const env = { ...process.env, ...extra.env };
    delete env.CODEX_DEMO_LIVE;
    const running = execFileAsync(process.execPath, ['--import', 'tsx', `examples/${name}.ts`, ...args], {
      cwd: root,
      env,
      timeout: timeoutMs,
    });
    running.child.stdin?.end(extra.input ?? '');
    const { stdout, stderr } = await running;
    expect(stderr).toBe(''); // no warnings, no stray errors
    return stdout;
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Asserts that `parts` occur in `text` in this order. */
function expectInOrder(text: string, parts: readonly string[]): void {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part, from);
    expect(at, `${JSON.stringify(part)} after offset ${from} in:\n${text}`).toBeGreaterThanOrEqual(0);
    from = at + part.length;
  }
}

describe.concurrent('examples', { timeout: 60_000 }, () => {
  it('quickstart streams a turn and runs a follow-up, offline', async () => {
    const stdout = await runExample('quickstart', ['Hello?']);
    expect(stdout).toMatch(new RegExp(`codex app-server ${SCHEMA_CODEX_VERSION.replaceAll('.', '\\.')} \\(pid \\d+\\)`));
    expect(stdout).toContain('> Hello?');
    expect(stdout).toContain('Hello! I am a scripted stand-in for the model');
    expect(stdout).toContain('[turn completed, 2 items]');
    expect(stdout).toContain('Bonjour ! Je suis un modèle scripté.');
  });

  it('streaming-ui streams the text while a reducer counts items, and agrees with run()', async () => {
    const stdout = await runExample('streaming-ui');
    // The text loop and the status loop run independently: status lines may land anywhere in
    // the text. Without them, the text is whole and in order.
    const text = stdout.replace(/\n {2}\[status: [^\]]*\]\n/g, '');
    expect(text).toContain('assistant> Running the tests.\n\nAll 3 tests pass, so the build is green.\n\nturn completed in');
    const counts = [...stdout.matchAll(/\[status: (\w+), (\d+) items/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(counts).toEqual(['inProgress 1', 'inProgress 2', 'inProgress 3', 'inProgress 4', 'inProgress 5', 'completed 5']);
    expect(stdout).toContain('items: userMessage, reasoning, agentMessage, commandExecution, agentMessage');
    expect(stdout).toMatch(/ran: .*echo "3 passed, 0 failed".* -> exit 0, "3 passed, 0 failed"/);
    expect(stdout).toContain('final answer: All 3 tests pass, so the build is green.');
    expect(stdout).toContain('reducer agrees with run(): true');
  });

  it('approvals: ask accepts one command and declines the other, denyAll refuses without asking; only the accepted one ran', async () => {
    const stdout = await runExample('approvals');
    expect(stdout).toContain('approvalPolicy=on-request, reviewer=user');
    expectInOrder(stdout, ["touch allowed.txt'", 'reason: needs to write a file', '-> accept', "touch blocked.txt'", '-> decline']);
    expect(stdout).toMatch(/completed +\S.*touch allowed\.txt/);
    expect(stdout).toMatch(/declined +\S.*touch blocked\.txt/);
    expect(stdout).toContain('allowed.txt: exists');
    expect(stdout).toContain('blocked.txt: absent');
    // denyAll: nobody asked, the command refused by codex and never run.
    expectInOrder(stdout, ['approvalPolicy=never', 'commands run: none', 'approval policy is Never; reject command', 'denied.txt: absent']);
    expect(stdout.match(/approval asked/g)).toHaveLength(2);
  });

  it('structured-output parses JSON into result.parsed and reports prose as StructuredOutputError', async () => {
    const stdout = await runExample('structured-output');
    expectInOrder(stdout, ['score 8/10, verdict: approve', '  - small diff', '  - has tests']);
    expect(stdout).toMatch(/StructuredOutputError: Turn \S+: the final message is not valid JSON/);
    expect(stdout).toContain('the model said: "I would say it is a solid seven out of ten."');
    expect(stdout).toContain('the turn itself: completed, 2 items');
    expect(stdout).not.toContain('parsed again');
  });

  it('interrupt-and-abort interrupts, aborts on a deadline, takes a new turn and steers', async () => {
    const stdout = await runExample('interrupt-and-abort');
    expectInOrder(stdout, [
      'streamed: "Chapter 1." -> interrupting',
      '1. interrupt(): turn interrupted',
      '2. AbortError after',
      'cause: TimeoutError',
      '3. next turn completed: Still here: the thread took a new turn.',
      '4. steer() accepted by the running turn: true; turn completed: Fine, a haiku about autumn instead.',
      `the model's latest user input: "Actually, make it a haiku about autumn."`,
      'turns on the thread: interrupted, interrupted, completed, completed',
    ]);
    const waited = Number(/AbortError after (\d+) ms/.exec(stdout)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(490);
  });

  it('threads names, forks, lists, archives, unarchives, and resumes after a restart', async () => {
    const stdout = await runExample('threads');
    const id = /^started (\S+) /m.exec(stdout)?.[1];
    const forkId = /^forked into (\S+):/m.exec(stdout)?.[1];
    expect(id).toBeDefined();
    expect(forkId).toBeDefined();
    expect(forkId).not.toBe(id);
    expect(stdout).toContain('In this fork, the code word is still "heron".');
    expect(stdout).toContain(`${forkId}  "Code word (fork)"`);
    expect(stdout).toContain(`${id}  "Code word"`);
    expect(stdout).toContain('archived the fork: in threadList() false, in threadList({ archived: true }) true');
    expect(stdout).toContain(`unarchived ${forkId}: in threadList() true`);
    expect(stdout).toMatch(/restarted: codex app-server pid \d+/);
    expect(stdout).toContain(`resumed ${id}, named "Code word"`);
    expect(stdout).toContain('after restart: The code word was "heron".');
    expect(stdout).toContain('the thread now has 2 turns');
    expect(stdout).toContain('included the first prompt: true');
  });

  it('errors-and-retry shows each typed error and a retry wrapper that retries only overloads', async () => {
    const stdout = await runExample('errors-and-retry');
    expect(stdout).toContain('1. InvalidParamsError from thread/start (code -32600): Invalid params for thread/start: unknown variant `read_only`');
    expect(stdout).toContain('2. InvalidRequestError from thread/resume: no rollout found for thread id');
    expect(stdout).toContain('3. TurnFailedError: turn failed');
    expect(stdout).toMatch(/message: .*401.*Incorrect API key provided/);
    expect(stdout).toContain('codexErrorInfo: {"httpConnectionFailed":{"httpStatusCode":401}}');
    expect(stdout).toContain('next turn: Working again.');
    expect(stdout).toContain('4. thread/list, attempt 1');
    expect(stdout).not.toContain('attempt 2');
    expect(stdout).toMatch(/listed \d+ thread\(s\)/);
    expect(stdout).toContain('not retried: InvalidRequestError after 1 attempt(s)');
  });

  it('inputs sends text, a data-URL image, a local image and an external tool output', async () => {
    const stdout = await runExample('inputs');
    expect(stdout).toContain('1. string -> A plain string is one text item.');
    expect(stdout).toContain('2. text + image + localImage -> Two identical one-pixel images.');
    expect(stdout).toContain('the model got text "Describe these two images in one sentence.');
    expect(stdout).toContain('and 2 images:');
    expect(stdout.match(/^ {5}data:image\/png;base64,/gm)).toHaveLength(2);
    expect(stdout).toContain('3. externalMessage -> Sunny and 21°C in Lisbon');
    expect(stdout).toMatch(/the model got: \{"type":"function_call_output".*"name":"weather","output":"Lisbon: sunny, 21°C"\}/);
    expect(stdout).toContain('4. InvalidArgumentError: Invalid input: is an empty array');
  });

  it('raw-protocol makes typed requests and narrows notifications by method', async () => {
    const stdout = await runExample('raw-protocol');
    const turnId = /^turn\/start -> (\S+) \(inProgress\)/m.exec(stdout)?.[1];
    expect(turnId).toBeDefined();
    expectInOrder(stdout, [
      'thread/start -> ',
      `turn/started               turn ${turnId}`,
      'item/completed             userMessage',
      'item/completed             reasoning',
      'item/agentMessage/delta    "Par"',
      'item/agentMessage/delta    "is."',
      'item/completed             agentMessage',
      'thread/tokenUsage/updated  1209 tokens so far',
      'turn/completed             completed',
      'thread/read -> 1 turn(s), preview "What is the capital of France? One word."',
      'thread/list -> 1 thread(s)',
      `rawRequest('thread/teleport') -> UnsupportedFeatureError: codex app-server ${SCHEMA_CODEX_VERSION} does not have the method thread/teleport`,
    ]);
  });

  it('local-tools runs typed tools, reports invalid arguments to the model, and calls a namespaced tool', async () => {
    const stdout = await runExample('local-tools');
    expectInOrder(stdout, [
      'get_weather(Paris, C) [call call_2]',
      'crm.find_customer(Ada)',
      'get_weather {"town":"Paris"} -> failed: Invalid arguments for get_weather: city:',
      'get_weather {"city":"Paris","unit":"C"} -> ok: Sunny, 21°C in Paris',
      'crm.find_customer {"name":"Ada"} -> ok: {"name":"Ada","id":42}',
      'assistant: It is sunny and 21°C in Paris, and Ada is customer #42.',
    ]);
  });

  it("tracing sends the active span's and a per-call trace context; the server's spans join them", async () => {
    const stdout = await runExample('tracing');
    expect(stdout).toContain('1. inside the app span: Traced answer.');
    expect(stdout).toMatch(/the model request carried traceparent 00-0f1e2d3c4b5a69788796a5b4c3d2e1f0-[0-9a-f]{16}-01/);
    expectInOrder(stdout, [
      'app span trace a1b2c3d4e5f60718293a4b5c6d7e8f90: many server span(s)',
      "turn/start span's parent is the client's span: true",
      'per-call trace 0f1e2d3c4b5a69788796a5b4c3d2e1f0: many server span(s)',
      "turn/start span's parent is the client's span: true",
    ]);
  });
});

// A test's time includes waiting for a MAX_PARALLEL slot: a generous deadline on a busy machine.
describe.concurrent('more examples', { timeout: 90_000 }, () => {
  it('run-result lists the items by type, the final response and the usage', async () => {
    const stdout = await runExample('run-result');
    expect(stdout).toMatch(/^turn \S+ on thread \S+: completed in \d+ ms$/m);
    expectInOrder(stdout, [
      '4 items:',
      'userMessage     "Run `printf',
      'reasoning       "Count the files with ls, then report."',
      'commandExecution ',
      '-> completed, exit 0, output "2"',
      'agentMessage    "There are 2 files."',
      'commands run: 1',
      'final response: There are 2 files.',
      'usage, last response: 100 in, 10 out, 110 total',
      'usage, thread total: 220 tokens',
    ]);
  });
  it('models prints the server metadata and the catalog with efforts, default first marked', async () => {
    const stdout = await runExample('models');
    expect(stdout).toContain(`server version: ${SCHEMA_CODEX_VERSION}\n`);
    expect(stdout).toMatch(/^platform: +\w+\/\w+$/m);
    const def = /^(\d+) models \(default: (\S+)\):$/m.exec(stdout);
    expect(def).not.toBeNull();
    expect(stdout).toMatch(new RegExp(`^  \\* ${def![2]!.replaceAll('.', '\\.')} +.* effort \\w+ of [a-z/]+; input text`, 'm'));
    expect(stdout.match(/^ {2}[* ] \S+ +.* effort \w+ of /gm)).toHaveLength(Number(def![1]));
    expectInOrder(stdout, ['with includeHidden: ', 'hidden)', `reasoning efforts of `, '  low     ']);
  });

  it('model-selection sets the model per thread and per turn, with effort and summary, and they stick', async () => {
    const stdout = await runExample('model-selection');
    const [, def, other] = /^default model: (\S+); also using: (\S+)$/m.exec(stdout) ?? [];
    expect(def).toBeDefined();
    expectInOrder(stdout, [
      `thread model: ${def}, effort: model default`,
      `1. Answered by the default model. [model request: model ${def}, effort `,
      `2. Answered with more thought. [model request: model ${def}, effort high, summary detailed]`,
      `3. Answered quickly. [model request: model ${other}, effort low, summary detailed]`,
      `4. Same settings as the turn before. [model request: model ${other}, effort low, summary detailed]`,
    ]);
  });
  it('deadlines: timeoutMs, AbortSignal.timeout, an AbortController and stallTimeoutMs each end the turn', async () => {
    const stdout = await runExample('deadlines');
    expectInOrder(stdout, [
      '1. TurnTimeoutError (deadline) after ~',
      'did not finish within 700 ms',
      '   partial turn: interrupted, 2 items, text so far "Step 1 of 100: reading the code"',
      '2a. AbortError after ~',
      'was aborted (cause: TimeoutError)',
      '2b. first words "Thinking": the user cancels',
      '    AbortError, cause "user clicked Cancel"',
      'next turn: Done in time.',
      '3. TurnTimeoutError (stalled) after ~',
      'made no progress but retry errors for 1000 ms (model provider unreachable?)',
    ]);
  });
  it('many-threads runs a turn on four threads at once, each answered on its own thread', async () => {
    const stdout = await runExample('many-threads');
    expect(stdout).toMatch(/^4 turns on 4 threads in \d+ ms, all at once$/m);
    // The order they finish in depends on timing: only that each finished once.
    const order = /^finished in this order: (.*)$/m.exec(stdout)?.[1]?.split(', ');
    expect(order?.sort()).toEqual(['Lima', 'Lisbon', 'Nairobi', 'Oslo']);
    expectInOrder(stdout, [
      'Lisbon   thread …',
      ': completed, "Lisbon is a capital city."',
      'Oslo     thread …',
      ': completed, "Oslo is a capital city."',
      'Nairobi  thread …',
      'Lima     thread …',
      'every request carried its own thread\'s prompt: true',
      'allSettled[0]: rejected, TurnFailedError',
      'allSettled[1]: fulfilled, "This one is fine."',
    ]);
  });
  it('testing-your-code tests a function against the scripted model and its recorded requests', async () => {
    const stdout = await runExample('testing-your-code');
    expectInOrder(stdout, [
      'ok - labels a crash report as a bug',
      'ok - sends the issue text and the JSON schema to the model',
      'ok - falls back to "question" when the model answers in prose',
      'ok - a failing model provider surfaces as an error, not a wrong label',
      'ok - each call used its own thread, and every queued reply was used',
      '3 model requests, all answered offline',
    ]);
  });
  it('local-image writes a PNG, sends it with text, and the model receives the same bytes', async () => {
    const stdout = await runExample('local-image');
    expectInOrder(stdout, [
      'wrote checkerboard.png (85 bytes) to a temporary folder',
      'assistant: A small checkerboard of red and blue squares.',
      'user message: text + localImage checkerboard.png',
      'the model got text "What is in this picture? One sentence." and 1 image',
      'data:image/png;base64,… the same bytes as the file: true',
    ]);
  });
  it('login stores an API key, reads the account, and logs out', async () => {
    const stdout = await runExample('login');
    expectInOrder(stdout, [
      '1. account(): not signed in; the provider needs OpenAI auth: true',
      '2. after loginApiKey(): signed in with an API key',
      '3. after logout(): not signed in',
      'CODEX_DEMO_LIVE=1',
    ]);
    expect(stdout).not.toContain('sk-example');
  });
  it('resume picks a thread up on a new server process, with its history', async () => {
    const stdout = await runExample('resume');
    const [, pid1, id] = /^session 1 \(pid (\d+)\): thread (\S+)$/m.exec(stdout) ?? [];
    const pid2 = /^session 2 \(pid (\d+)\)/m.exec(stdout)?.[1];
    expect(id).toBeDefined();
    expect(pid2).not.toBe(pid1);
    expectInOrder(stdout, [
      '  > Got it: your favourite colour is teal.',
      `resumed ${id}, preview "My favourite colour is teal. Acknowledge in one sentence."`,
      '  history: user  "My favourite colour is teal. Acknowledge in one sentence."',
      '  history: agent "Got it: your favourite colour is teal."',
      '  > Your favourite colour is teal.',
      "the model's request carried the first turn: true",
    ]);
  });
  it('chat answers lines from stdin until /exit, and its spinner is erased before any text', async () => {
    const raw = await runExample('chat', [], 40_000, { input: 'hello\n\nrun echo 42 please\n/exit\nnever read\n', env: { CHAT_SPINNER: '1' } });
    // The spinner ran, and each run of frames ends with "erase line" before the answer starts.
    expect(raw).toMatch(/\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking…/);
    const ERASE = '\r\u001b[K'; // carriage return, then "erase to the end of the line"
    expect(raw.match(/(\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking…)+\r\u001b\[Kcodex> /g)).toHaveLength(2); // eslint-disable-line no-control-regex
    // No frame anywhere after an answer has started on its line.
    for (const line of raw.split('\n')) expect(line.slice(line.indexOf('codex> ') + 1)).not.toMatch(/thinking…|\r/);
    const stdout = raw.replace(/(\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking…)*/g, '').replaceAll(ERASE, '');
    expectInOrder(stdout, [
      'Type /exit to quit.\n',
      'you> hello\ncodex> Hi! What shall we build today?\n  [completed, ',
      'you> \nyou> run echo 42 please\n',
      "codex> Running a quick check.\n  $ /bin/bash -c 'echo 42'\ncodex> The answer is 42, as the command printed.\n  [completed, ",
      'you> /exit\n\nbye\n',
    ]);
    expect(stdout).not.toContain('never read');
  });
  it('turn-options sends every turn parameter and shows what reached the model', async () => {
    const stdout = await runExample('turn-options');
    expectInOrder(stdout, [
      'result: completed, parsed {"files":3,"largest":"notes.txt"}',
      'status idle, cwd is the temp folder: true',
      'the model received:',
      '  reasoning  effort medium, summary concise',
      '  format     json_schema (strict)',
      '  cwd        mentioned in the context: true',
      '  sandbox    `sandbox_mode` is `read-only`',
      '  approvals  Approval policy is currently never',
      '  prompt     "How many files are in the current folder, and which is the largest?"',
    ]);
    expect(stdout).toMatch(/^ {2}model {6}\S+$/m);
  });
  it('connect: two clients share a listening app-server; a wrong token is refused', async () => {
    const stdout = await runExample('connect');
    expectInOrder(stdout, [
      'listening: codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token --ws-token-file TOKEN_FILE',
      `client 1 (server ${SCHEMA_CODEX_VERSION}): Hello from the shared server.`,
      "client 2 lists client 1's thread: true",
      'wrong token: AuthenticationError',
      'after client 1 closed, client 2 still works: 1 thread(s)',
    ]);
  });
});

describe('shared-server example', { timeout: 90_000 }, () => {
  it('shared-server: a second client follows the turn, and the first survives a dropped connection', async () => {
    const stdout = await runExample('shared-server', [], 80_000);
    expectInOrder(stdout, [
      'client 1, first turn: Ready.',
      'client 1 reads: First half of the answer.',
      'client 1: disconnected (TransportClosedError)',
      'client 1: reconnected after 1 attempt(s), resumed 1 thread(s)',
      'client 1 reads: Second half, after the drop.',
      'client 1: turn completed with 2 agent messages',
      'client 2 followed the same turn: true, final response: Second half, after the drop.',
    ]);
    // Closing the clients before the relay: no second disconnect is reported.
    expect(stdout.match(/disconnected/g)).toHaveLength(1);
  });
});

describe('fleet example', { timeout: 120_000 }, () => {
  it('fleet spreads threads over three listening app-servers and checks every reply', async () => {
    // Three servers start in this one: it gets a longer deadline than the others.
    const stdout = await runExample('fleet', ['6'], 100_000);
    expect(stdout.match(/^server-\d: app-server --listen ws:\/\/127\.0\.0\.1:\d+ --ws-auth capability-token --ws-token-file TOKEN_FILE$/gm)).toHaveLength(3);
    for (let i = 1; i <= 6; i++) {
      const server = `server-${((i - 1) % 3) + 1}`;
      expect(stdout).toMatch(new RegExp(`^thread +${i} on ${server} \\(…\\S+\\): ok  "${server} handled this\\."$`, 'm'));
    }
    expect(stdout.match(/^server-\d: 2 model request\(s\), prompts match: true$/gm)).toHaveLength(3);
    expect(stdout).toMatch(/6 threads on 3 servers in \d+ ms: every reply checked, all correct/);
  });
});

describe.concurrent('examples: goals and review', { timeout: 60_000 }, () => {
  it('goals completes a goal over two turns, interrupts one, and stops one over budget', async () => {
    const stdout = await runExample('goals');
    expectInOrder(stdout, [
      'goal is active (0 tokens used)',
      'turn started: ',
      'turn completed',
      'turn started: ',
      'goal is complete',
      'turn completed',
      '1. goal complete after 2 turns, 1500 tokens: Done: both files have a header comment.',
      'streamed "Counting t" -> interrupting',
      '2. goal paused, its turn interrupted',
      '3. goal budgetLimited (500 of 300 tokens): Spent the budget on a first draft.',
      "the first thread's goal now: paused; the second's: budgetLimited",
    ]);
  });

  it('review prints a rendered review, interrupts one, and makes a turn wait for one', async () => {
    const stdout = await runExample('review');
    expectInOrder(stdout, [
      '1. review completed:',
      'The change breaks add().',
      '- [P1] add() subtracts — ',
      'math.js:1-1',
      '2. interrupted review: interrupted, review: "Reviewer failed to output a response."',
      '3. review completed: The commit looks right.',
      'the waiting turn: You are welcome. (finished: review, then turn)',
    ]);
  });
});

describe('examples directory', () => {
  it('holds exactly the examples tested above', () => {
    const files = readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.ts'));
    expect(files.map((f) => f.slice(0, -3)).sort()).toEqual([...EXAMPLES].sort());
  });
});
