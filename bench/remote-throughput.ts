/**
 * Benchmark 7, notification throughput over a WebSocket against stdio: the stand-in server of
 * benchmark 3 (bench/fixtures/flood-core.mjs: 200,000 `item/agentMessage/delta` notifications in
 * one turn), once as a child on stdio (`Codex.start`) and once as a WebSocket server on 127.0.0.1
 * (`Codex.connect`, bench/fixtures/ws-flood-server.mjs), same bytes, one message per text frame.
 * A bare `ws` client with `JSON.parse` is the WebSocket floor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Codex } from '../src/index.js';
import { fmt, interleave, times, log, row, target, type BenchResult, type CaseOptions } from './harness.js';
import { floodArgv } from './throughput.js';

const WS_FLOOD_SERVER = fileURLToPath(new URL('./fixtures/ws-flood-server.mjs', import.meta.url));
const DELTAS = 200_000;
/** turn/started, item/started, the deltas, item/completed, turn/completed. */
const TOTAL = DELTAS + 4;

export async function run(options: CaseOptions): Promise<BenchResult> {
  const began = performance.now();
  const config = JSON.stringify({ deltas: DELTAS });
  const server = await startWsFlood(config);
  try {
    const iterate = (codex: Codex) => async (): Promise<number> => {
      try {
        const thread = await codex.threadStart();
        const start = performance.now();
        let seen = 0;
        for await (const _ of await thread.turn('go')) seen++;
        const ms = performance.now() - start;
        if (seen !== TOTAL) throw new Error(`saw ${seen} notifications, expected ${TOTAL}`);
        return (TOTAL / ms) * 1000;
      } finally {
        await codex.close();
      }
    };
    const stdio = async (): Promise<number> => iterate(await Codex.start({ launchArgs: floodArgv({ deltas: DELTAS }) }))();
    const websocket = async (): Promise<number> => iterate(await Codex.connect({ url: server.url }))();
    const floor = (): Promise<number> => bareWebSocket(server.url);

    const samples = await interleave(
      [
        { name: 'stdio', run: stdio },
        { name: 'ws', run: websocket },
        { name: 'floor', run: floor },
      ],
      {
        warmup: 1,
        rounds: options.quick ? 3 : 7,
        budgetMs: options.quick ? 15_000 : 40_000,
        onSample: (name, round, rate) => log(`  remote-throughput ${name} #${round}: ${fmt(rate)} notifications/s`),
      },
    );
    const unit = 'notif/s';
    const stdioRow = row('SDK over stdio: for await (const n of turn)', unit, samples.get('stdio')!);
    const wsRow = row('SDK over WebSocket: for await (const n of turn)', unit, samples.get('ws')!, stdioRow);
    const floorRow = row('WebSocket floor: bare ws client + JSON.parse', unit, samples.get('floor')!, stdioRow);
    return {
      name: 'remote-throughput',
      title: '7. Notification throughput, WebSocket vs stdio (200k deltas)',
      rows: [stdioRow, wsRow, floorRow],
      targets: [target('WebSocket ≥ 0.8x stdio', times(wsRow.ratio!.value), wsRow.ratio!.value >= 0.8)],
      notes: [
        `One sample: connect (or spawn) and handshake untimed, then time from turn/start to the end of the turn: ${fmt(TOTAL)} notifications of about 245 bytes each. Rate = ${fmt(TOTAL)} / that time.`,
        'Both servers are the same stand-in (bench/fixtures/flood-core.mjs): it builds the next turn before it is asked for, so serving it is one write, of JSONL to a pipe (flood-server.mjs) or of text frames to the socket (ws-flood-server.mjs). The bare ws client shows what `ws` parsing allows.',
      ],
      durationMs: performance.now() - began,
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

async function startWsFlood(config: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [WS_FLOOD_SERVER, config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('ws-flood-server exited')));
  });
  return { url: `ws://127.0.0.1:${port}`, child };
}

/** The floor: a `ws` client that parses every frame and counts until turn/completed. */
function bareWebSocket(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    let stage = 0;
    let seen = 0;
    let start = 0;
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ id: 0, method: 'initialize', params: {} })));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; method?: string };
      if (stage === 0 && message.id === 0) {
        stage = 1;
        socket.send(JSON.stringify({ id: 1, method: 'thread/start', params: {} }));
      } else if (stage === 1 && message.id === 1) {
        stage = 2;
        start = performance.now();
        socket.send(JSON.stringify({ id: 2, method: 'turn/start', params: {} }));
      } else if (stage === 2 && message.method !== undefined) {
        seen++;
        if (message.method === 'turn/completed') {
          const ms = performance.now() - start;
          socket.close();
          if (seen !== TOTAL) reject(new Error(`floor saw ${seen}, expected ${TOTAL}`));
          else resolve((TOTAL / ms) * 1000);
        }
      }
    });
  });
}
