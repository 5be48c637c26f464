/**
 * Progress in a browser: a small Node HTTP server (no framework) that runs a turn and forwards
 * it to a web page over Server-Sent Events. The page (index.html + page.js, no build step) shows
 * the agent's text as it streams, each command and file change as it starts and ends with its
 * status, approvals as buttons (the click is the handler's answer), and the token usage.
 *
 *   node --import tsx examples/progress-web/server.ts     # offline, scripted model; open the URL it prints
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/progress-web/server.ts   # a logged-in Codex
 *   PORT=8080 node --import tsx examples/progress-web/server.ts           # a fixed port (default: any free one)
 *
 * Routes: `GET /` the page, `GET /turn?prompt=…` one turn as an SSE stream, `POST /approvals/:id`
 * with `{"decision":"accept"|"decline"}` answers a pending approval. Each turn runs on a new
 * thread in a temporary workspace holding a `build/` folder; the thread may write inside the
 * workspace, and anything beyond that (offline: `rm -rf build` outside the sandbox) needs a click.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Codex, TurnFailedError, type ServerRequestContext, type ThreadItem, type TurnResult } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply, type ScriptedReply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';
const here = path.dirname(fileURLToPath(import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'progress-web-'));
mkdirSync(path.join(workspace, 'build'));

// Offline, every turn gets this script: a comment and a new file in one response, then a
// command that needs approval, then the answer (which assumes the command was declined).
const escalated = { sandbox_permissions: 'require_escalated', justification: 'build/ is removed outside the sandbox' };
const offlineTurn = (): ScriptedReply[] => [
  reply.response([
    output.message("I'll write notes.md, then clear the build folder.", { phase: 'commentary', deltas: 6 }),
    output.patch([{ type: 'add', path: 'notes.md', contents: '# Notes\n\nWritten by the agent.\n' }]),
  ], { eventDelayMs: 40 }),
  reply.shell('rm -rf build', { extraArguments: escalated }),
  reply.message('notes.md is written. I left build/ alone, since removing it was declined.', { deltas: 12, eventDelayMs: 40 }),
];

const model = live ? undefined : await ScriptedModel.start();
const home = model ? await model.createCodexHome() : undefined;
const codex = await Codex.start({ codexHome: home?.path });

type Send = (event: string, data: unknown) => void;
type Decision = 'accept' | 'decline';

/** Approvals waiting for a click, by the id the page echoes back. */
const pendingApprovals = new Map<string, (decision: Decision) => void>();

/** Shows an approval on the page and resolves with the user's click (or `decline` at the deadline). */
function askUser(send: Send, question: Record<string, unknown>, context: ServerRequestContext): Promise<{ decision: Decision }> {
  return new Promise((resolve) => {
    const id = randomUUID();
    const settle = (decision: Decision): void => {
      if (!pendingApprovals.delete(id)) return;
      context.signal.removeEventListener('abort', expire);
      send('approval-answered', { id, decision });
      resolve({ decision });
    };
    // The handler's deadline passed: the SDK has sent the safe answer already.
    const expire = (): void => settle('decline');
    pendingApprovals.set(id, settle);
    context.signal.addEventListener('abort', expire, { once: true });
    send('approval', { id, ...question });
  });
}

/** What the page shows of an item: commands and file changes only; text comes as deltas. */
function describeItem(item: ThreadItem): Record<string, unknown> | undefined {
  switch (item.type) {
    case 'commandExecution':
      return { id: item.id, kind: 'command', label: item.command, status: item.status, exitCode: item.exitCode ?? null };
    case 'fileChange':
      return {
        id: item.id,
        kind: 'file change',
        label: item.changes.map((change) => `${change.kind.type} ${path.relative(workspace, change.path) || change.path}`).join(', '),
        status: item.status,
      };
    default:
      return undefined;
  }
}

/** Runs one turn on a new thread and forwards it to the page. */
async function runTurn(prompt: string, send: Send, closed: AbortSignal): Promise<void> {
  const thread = await codex.threadStart({ approvalMode: 'ask', sandbox: 'workspace-write', cwd: workspace });
  // Replies for this thread only: several pages may run turns at once.
  model?.enqueueFor({ threadId: thread.id }, ...offlineTurn());
  send('started', { threadId: thread.id, workspace });

  const turn = await thread.turn(prompt, {
    signal: closed, // the page went away: interrupt the turn
    onServerRequest: {
      'item/commandExecution/requestApproval': (params, context) =>
        askUser(send, { itemId: params.itemId, kind: 'command', label: params.command ?? '(command)', reason: params.reason ?? null }, context),
      'item/fileChange/requestApproval': (params, context) =>
        askUser(send, { itemId: params.itemId, kind: 'file change', label: 'apply a patch', reason: params.reason ?? null }, context),
    },
  });
  const result = turn.run(); // attached before iterating: both read the same stream

  for await (const n of turn) {
    if (n.method === 'item/agentMessage/delta') send('text', { itemId: n.params.itemId, delta: n.params.delta });
    else if (n.method === 'item/started' || n.method === 'item/completed') {
      const shown = describeItem(n.params.item);
      if (shown) send(n.method === 'item/started' ? 'item-started' : 'item-completed', shown);
    }
  }

  let done: TurnResult;
  try {
    done = await result;
  } catch (error) {
    if (!(error instanceof TurnFailedError)) throw error;
    done = error.turn;
  }
  send('done', { status: done.status, error: done.error?.message ?? null, usage: done.usage?.total ?? null });
}

/** `GET /turn`: one turn as Server-Sent Events. */
function streamTurn(req: http.IncomingMessage, res: http.ServerResponse, prompt: string): void {
  // EventSource reconnects when a stream ends; a reconnect must not start the turn again.
  if (req.headers['last-event-id'] !== undefined) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let sequence = 0;
  const send: Send = (event, data) => {
    if (!res.writableEnded) res.write(`id: ${++sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const closed = new AbortController();
  res.on('close', () => closed.abort(new Error('the page closed the stream')));
  runTurn(prompt, send, closed.signal)
    .catch((error: unknown) => send('failed', { message: error instanceof Error ? error.message : String(error) }))
    .finally(() => res.end());
}

/** `POST /approvals/:id`: the page's answer to an approval. */
async function answerApproval(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 1_000) return void res.writeHead(413).end();
  }
  const decision = (JSON.parse(body || '{}') as { decision?: unknown }).decision;
  const settle = pendingApprovals.get(id);
  if (decision !== 'accept' && decision !== 'decline') return void res.writeHead(400).end('decision must be "accept" or "decline"');
  if (settle === undefined) return void res.writeHead(404).end('no such approval is waiting');
  settle(decision);
  res.writeHead(204).end();
}

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const page = STATIC[url.pathname];
  if (req.method === 'GET' && page) {
    readFile(path.join(here, page.file)).then(
      (content) => res.writeHead(200, { 'content-type': page.type }).end(content),
      () => res.writeHead(500).end(),
    );
  } else if (req.method === 'GET' && url.pathname === '/turn') {
    streamTurn(req, res, url.searchParams.get('prompt') || 'Write notes.md, then clear the build folder.');
  } else if (req.method === 'POST' && url.pathname.startsWith('/approvals/')) {
    answerApproval(req, res, url.pathname.slice('/approvals/'.length)).catch(() => res.writeHead(400).end('bad request'));
  } else {
    res.writeHead(404).end('not found');
  }
});

await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
console.log(`progress-web: open http://127.0.0.1:${port}/ (workspace ${workspace}; Ctrl-C stops)`);

// Ctrl-C (or SIGTERM): stop serving, close the app-server, clean up.
async function shutdown(): Promise<void> {
  server.closeAllConnections();
  server.close();
  await codex.close();
  await model?.close();
  await home?.remove();
  rmSync(workspace, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().then(() => process.exit(0)));
