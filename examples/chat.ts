/**
 * An interactive terminal chat: type a message, watch the answer stream in, `/exit` (or Ctrl-D)
 * quits. One thread holds the conversation, so each turn sees the ones before it.
 *
 * While the agent works and before its first words arrive, a spinner turns on the prompt line;
 * it is wiped (`\r` + "erase line") before any text is written, so it never cuts through the
 * answer. It only shows on a terminal (set CHAT_SPINNER=1 to force it, e.g. in a test).
 *
 *   npm run example -- chat              # offline: the scripted model has three answers ready
 *   CODEX_DEMO_LIVE=1 npm run example -- chat   # a logged-in Codex
 */
import readline from 'node:readline';
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const showSpinner = process.stdout.isTTY || process.env.CHAT_SPINNER === '1';
const write = (s: string) => process.stdout.write(s);

// Offline: each answer waits a little before it streams, like a model thinking.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.response([output.reasoning('A greeting.'), output.message('Hi! What shall we build today?', { deltas: 6 })], { delayMs: 300, eventDelayMs: 30 }),
  reply.response([output.shell('echo 42'), output.message('Running a quick check.', { phase: 'commentary' })], { delayMs: 300 }),
  reply.message('The answer is 42, as the command printed.', { deltas: 8, eventDelayMs: 30 }),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

/** A spinner on the current line; `stop()` erases it (once), leaving the cursor at column 0. */
function spinner(label: string): { stop(): void } {
  if (!showSpinner) return { stop() {} };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const draw = () => write(`\r${frames[i++ % frames.length]} ${label}`);
  draw();
  const timer = setInterval(draw, 80);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      write('\r\x1b[K');
    },
  };
}

console.log(`Chat with Codex (thread ${thread.id}). Type /exit to quit.\n`);
const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
write('you> ');
for await (const line of rl) {
  if (!process.stdin.isTTY) write(`${line}\n`); // piped input is not echoed: show it
  const prompt = line.trim();
  if (prompt === '/exit') break;
  if (prompt === '') {
    write('you> ');
    continue;
  }

  const turn = await thread.turn(prompt);
  const result = turn.run(); // attached first: it sees every event; awaited below
  const spin = spinner('thinking…');

  // One writer for the answer: text, and each command on a line of its own. The spinner is
  // erased before the first of either, so frames never land inside the text.
  let column = 0; // 0: at the start of a line
  const say = (s: string) => {
    if (s === '') return;
    spin.stop();
    write(s);
    column = s.endsWith('\n') ? 0 : column + s.length;
  };
  const commands = (async () => {
    for await (const n of turn) {
      if (n.method === 'item/started' && n.params.item.type === 'commandExecution') {
        say(`${column > 0 ? '\n' : ''}  $ ${n.params.item.command}\n`);
      }
    }
  })();
  for await (const delta of turn.text()) {
    // Each message starts with a "codex> " prefix; blank lines between messages are dropped.
    const text = column === 0 ? delta.replace(/^\n+/, '') : delta;
    if (text !== '' && column === 0) say('codex> ');
    say(text);
  }
  spin.stop();
  await commands;
  const done = await result;
  write(`${column > 0 ? '\n' : ''}  [${done.status}${done.usage ? `, ${done.usage.total.totalTokens} tokens so far` : ''}]\n\nyou> `);
}
rl.close();
console.log('\nbye');
