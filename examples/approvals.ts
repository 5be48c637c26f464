/**
 * Approvals: the two modes to use with untrusted input (prompts, files, web pages the model
 * reads), each on a read-only sandbox in a fresh temporary directory.
 *
 * 1. `approvalMode: 'ask'`: the server asks this client before the agent runs a command outside
 *    its sandbox, and an `onServerRequest` handler decides. Here it accepts a command that
 *    touches `allowed.txt` and declines anything else. Without a handler, approvals are declined.
 * 2. `approvalMode: 'denyAll'`: nobody is asked; whatever needs more than the sandbox allows is
 *    refused. The model still runs commands inside the sandbox.
 *
 * The default for new threads, `autoReview`, lets codex's reviewer model approve escalations:
 * fine for trusted input, not for input an attacker may have written.
 *
 *   node --import tsx examples/approvals.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/approvals.ts   # a logged-in Codex (the real
 *     model decides which commands to try, so the decisions you see may differ)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const workspace = mkdtempSync(path.join(os.tmpdir(), 'approvals-example-'));

// Offline: the model asks to run two commands outside the read-only sandbox, one per request
// (codex sends the first command's result before the model asks for the second), then answers.
const escalated = { sandbox_permissions: 'require_escalated', justification: 'needs to write a file in the workspace' };
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.shell('touch allowed.txt', { extraArguments: escalated }),
  reply.shell('touch blocked.txt', { extraArguments: escalated }),
  reply.message('I created allowed.txt; creating blocked.txt was declined.'),
  // For the denyAll thread:
  reply.shell('touch denied.txt', { extraArguments: escalated }),
  reply.message('I could not create denied.txt.'),
);
await using home = model ? await model.createCodexHome() : undefined;

await using codex = await Codex.start({
  codexHome: home?.path,
  // Client-wide handlers; a thread or a turn can pass its own `onServerRequest`, which wins.
  onServerRequest: {
    'item/commandExecution/requestApproval': (params, { turnId }) => {
      // codex 0.169 offers accept / acceptWithExecpolicyAmendment / cancel here and still takes
      // 'decline', which refuses this command and lets the turn go on ('cancel' ends the turn).
      const decision = params.command?.includes('allowed.txt') ? 'accept' : 'decline';
      const offered = params.availableDecisions?.map((d) => (typeof d === 'string' ? d : Object.keys(d)[0]));
      console.log(`approval asked (turn ${turnId}): ${params.command}`);
      console.log(`  reason: ${params.reason ?? '-'}; offered: ${offered?.join(', ') ?? '-'}`);
      console.log(`  -> ${decision}`);
      return { decision };
    },
  },
});

// 'ask' = approvalPolicy on-request with this client as the reviewer.
const thread = await codex.threadStart({ approvalMode: 'ask', sandbox: 'read-only', cwd: workspace });
console.log(`thread ${thread.id}: approvalPolicy=${String(thread.settings.approvalPolicy)}, reviewer=${thread.settings.approvalsReviewer}\n`);

const result = await thread.run(
  'Create two files with separate commands: first run `touch allowed.txt`, then `touch blocked.txt`.',
);

console.log('\ncommands in the turn:');
for (const item of result.items) if (item.type === 'commandExecution') console.log(`  ${item.status.padEnd(9)} ${item.command}`);
console.log(`\nassistant: ${result.finalResponse}`);

// 'denyAll' = approvalPolicy never: the handlers above are never called for this thread.
const locked = await codex.threadStart({ approvalMode: 'denyAll', sandbox: 'read-only', cwd: workspace });
console.log(`\nthread ${locked.id}: approvalPolicy=${String(locked.settings.approvalPolicy)}`);
const refused = await locked.run('Run `touch denied.txt`.');
const commands = refused.items.filter((item) => item.type === 'commandExecution');
console.log(`  commands run: ${commands.length === 0 ? 'none' : commands.map((c) => `${c.status} ${c.command}`).join('; ')}`);
// Offline, what codex told the model instead of running the command:
const told = model?.requests.at(-1)?.functionCallOutputs[0]?.output;
if (told !== undefined) console.log(`  the model was told: ${JSON.stringify(told).slice(0, 120)}`);
console.log(`assistant: ${refused.finalResponse}`);

console.log(`\nin ${workspace}:`);
for (const file of ['allowed.txt', 'blocked.txt', 'denied.txt']) {
  console.log(`  ${file}: ${existsSync(path.join(workspace, file)) ? 'exists' : 'absent'}`);
}
rmSync(workspace, { recursive: true, force: true });
