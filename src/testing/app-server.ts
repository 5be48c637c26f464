/**
 * A `codex app-server` listening on a loopback port or a Unix socket, for tests, demos and
 * benchmarks of `Codex.connect()`: the commands `docs/running-app-servers.md` describes, run
 * as a child process that is killed when disposed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolveCodexBinary } from '../transport/binary.js';
import { trackChild, untrackChild } from '../transport/child-registry.js';

/** Options of {@link startAppServer}. */
export interface StartAppServerOptions {
  /** The server's `CODEX_HOME` (e.g. from `ScriptedModel.createCodexHome()`). */
  readonly codexHome: string;
  /** `ws`: `--listen ws://127.0.0.1:<free port>`; `unix`: `--listen unix://<temp dir>/codex.sock`. Default `ws`. */
  readonly listen?: 'ws' | 'unix' | undefined;
  /**
   * WebSocket auth: `capability-token` (a random token in a 0600 file), `signed-bearer-token`
   * (a random shared secret in a 0600 file, with `issuer` and `audience`), or `none`. Default
   * `capability-token` for `ws`, `none` for `unix` (the server checks no token there).
   */
  readonly auth?: 'capability-token' | 'signed-bearer-token' | 'none' | undefined;
  /** `--ws-issuer` / `--ws-audience` for `signed-bearer-token`. */
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** How long to wait for the server to accept connections, in ms. Default 30000. */
  readonly readyTimeoutMs?: number | undefined;
  /** Path of a `codex` executable. Default: the pinned `@openai/codex` binary. */
  readonly codexPath?: string | undefined;
}

/** A listening app-server child process. */
export interface AppServer extends AsyncDisposable {
  /** The URL to pass to `Codex.connect()`. */
  readonly url: string;
  /** The capability token (auth `capability-token`). */
  readonly token: string | undefined;
  /** The file holding it, as passed to `--ws-token-file`. */
  readonly tokenFile: string | undefined;
  /** The shared-secret file (auth `signed-bearer-token`), as passed to `--ws-shared-secret-file`. */
  readonly secretFile: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** The full command line it was started with. */
  readonly argv: readonly string[];
  readonly pid: number | undefined;
  /** What it wrote to stderr so far (its log). */
  stderr(): string;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s; removes its token files. Idempotent. */
  close(): Promise<void>;
}

/** Starts `codex app-server --listen …` and resolves once it accepts connections. */
export async function startAppServer(options: StartAppServerOptions): Promise<AppServer> {
  const listen = options.listen ?? 'ws';
  const auth = options.auth ?? (listen === 'ws' ? 'capability-token' : 'none');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'codex-listen-'));
  const args = ['app-server'];
  let url: string;
  let token: string | undefined;
  let tokenFile: string | undefined;
  let secretFile: string | undefined;
  let port: number | undefined;
  let socketPath: string | undefined;
  if (listen === 'ws') {
    port = await freePort();
    url = `ws://127.0.0.1:${port}`;
  } else {
    socketPath = path.join(dir, 'codex.sock');
    url = `unix://${socketPath}`;
  }
  args.push('--listen', url);
  if (auth === 'capability-token') {
    token = randomBytes(24).toString('hex');
    tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    args.push('--ws-auth', 'capability-token', '--ws-token-file', tokenFile);
  } else if (auth === 'signed-bearer-token') {
    secretFile = path.join(dir, 'secret');
    await writeFile(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    args.push('--ws-auth', 'signed-bearer-token', '--ws-shared-secret-file', secretFile);
    if (options.issuer !== undefined) args.push('--ws-issuer', options.issuer);
    if (options.audience !== undefined) args.push('--ws-audience', options.audience);
  }
  const command = resolveCodexBinary(options.codexPath).command;
  const child = spawn(command, args, { env: { ...process.env, CODEX_HOME: options.codexHome }, stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-65_536);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => {
      untrackChild(child);
      resolve();
    });
  });
  child.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  const server: AppServer = {
    url,
    token,
    tokenFile,
    secretFile,
    issuer: options.issuer,
    audience: options.audience,
    argv: [command, ...args],
    pid: child.pid,
    stderr: () => stderr,
    kill: async (signal = 'SIGKILL') => {
      child.kill(signal);
      await exited;
    },
    close: () =>
      (closing ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
        await rm(dir, { recursive: true, force: true });
      })()),
    [Symbol.asyncDispose]: () => server.close(),
  };
  try {
    await waitUntilReady(child, exited, options.readyTimeoutMs ?? 30_000, () => (port !== undefined ? httpReady(port) : socketReady(socketPath!)));
  } catch (error) {
    await server.close();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr.slice(-2_000)}`);
  }
  return server;
}

async function waitUntilReady(child: ChildProcess, exited: Promise<void>, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`codex app-server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`);
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`codex app-server was not ready within ${timeoutMs} ms`);
}

/** `GET /readyz` answers 200 without a token. */
function httpReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The Unix socket accepts a connection (it serves no /readyz). */
function socketReady(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port the OS just handed out on 127.0.0.1 (free at that moment). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
