import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CodexError, InvalidArgumentError, ProtocolError } from '../errors.js';
import { LINE_START_CHARS, LineSplitter } from './jsonl.js';
import { StderrTail } from './stderr-tail.js';
import { explainSpawnFailure } from './binary.js';
import { trackChild, untrackChild } from './child-registry.js';
import type { MessageTransport, TransportEnd, TransportHandlers } from './transport.js';

export interface StdioTransportOptions {
  /** The full argv: executable first. Spawned directly, never through a shell. */
  readonly argv: readonly string[];
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Lines longer than this many characters are skipped and reported. */
  readonly maxMessageBytes: number;
  /** Values to redact from the stderr tail. */
  readonly secrets: readonly string[];
}

/** How long `close()` waits after ending stdin, then after SIGTERM, before escalating. */
const STDIN_GRACE_MS = 2_000;
const SIGTERM_GRACE_MS = 2_000;
/** After stdout ends, how long to wait for the exit status to put it in the error. */
const EXIT_STATUS_WAIT_MS = 250;
/** After the process exits, how long a grandchild may keep stdout open before we stop reading. */
const STDOUT_DRAIN_WAIT_MS = 250;
const STDERR_TAIL_CHARS = 16_384;

/** The app-server as a child process speaking JSONL over stdin/stdout. */
export class StdioTransport implements MessageTransport {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #stderr: StderrTail;
  readonly #options: StdioTransportOptions;
  #handlers: TransportHandlers | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exited: Promise<void>;
  #spawnError: Error | undefined;
  #ended = false;
  #closing: Promise<void> | undefined;

  constructor(options: StdioTransportOptions) {
    const [command, ...args] = options.argv;
    if (command === undefined) throw new InvalidArgumentError('launchArgs', 'must name an executable');
    this.#options = options;
    this.#stderr = new StderrTail(STDERR_TAIL_CHARS, options.secrets);
    try {
      this.#child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      // Node throws (rather than emits) the spawn errors it does not call run-time ones, such as
      // E2BIG: arguments or environment too long for the OS. Nothing was started.
      throw spawnFailure(command, error);
    }
    trackChild(this.#child);
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        untrackChild(this.#child);
        resolve();
        // A grandchild may hold stdout open after the server died: stop waiting for it.
        setTimeout(() => this.#child.stdout.destroy(), STDOUT_DRAIN_WAIT_MS).unref();
      });
    });
    this.#child.on('error', (error) => {
      // Spawn failures (ENOENT, EACCES) arrive here with no pid, and no 'exit' follows them.
      // Other 'error' events (a failed kill) need no action: 'exit' still comes.
      if (this.#child.pid !== undefined) return;
      this.#spawnError ??= error;
      untrackChild(this.#child);
      this.#child.stdout.destroy();
    });
    // A write to a dead process fails with EPIPE: that is reported through `end`, not thrown.
    this.#child.stdin.on('error', () => undefined);
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => this.#stderr.append(chunk));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new Error('StdioTransport.start() called twice');
    this.#handlers = handlers;
    const splitter = new LineSplitter(this.#options.maxMessageBytes, {
      onLine: (line) => this.#onLine(line),
      onOversized: (start, length) =>
        handlers.error(
          new ProtocolError(
            `Skipped a ${length}-character line from the app-server: longer than maxMessageBytes (${this.#options.maxMessageBytes})`,
            'oversizedLine',
            start,
          ),
        ),
    });
    const stdout = this.#child.stdout;
    stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
    stdout.once('close', () => {
      splitter.end();
      void this.#finish();
    });
    stdout.on('error', () => undefined);
  }

  #onLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      this.#handlers!.error(
        new ProtocolError('The app-server wrote a line that is not JSON', 'invalidJson', line.slice(0, LINE_START_CHARS), {
          cause,
        }),
      );
      return;
    }
    this.#handlers!.message(value);
  }

  /** Runs once stdout is done: waits briefly for the exit status, then reports the end. */
  async #finish(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#spawnError === undefined && this.#exit === undefined) {
      await Promise.race([this.#exited, delay(EXIT_STATUS_WAIT_MS)]);
    }
    this.#handlers?.end(this.#endInfo());
  }

  #endInfo(): TransportEnd {
    const spawnError = this.#spawnError;
    const reason =
      spawnError !== undefined
        ? explainSpawnFailure(this.#options.argv[0]!, spawnError)
        : this.#closing !== undefined
          ? 'The client was closed'
          : 'The app-server closed its output';
    return {
      reason,
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      stderrTail: this.#stderr.read(),
      ...(spawnError !== undefined && { neverStarted: true }),
    };
  }

  send(message: object): boolean {
    const stdin = this.#child.stdin;
    if (this.#ended || stdin.destroyed || !stdin.writable) return false;
    stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  stderrTail(): string {
    return this.#stderr.read();
  }

  /** Ends stdin, then escalates to SIGTERM and SIGKILL until the process has exited. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const child = this.#child;
    if (this.#spawnError === undefined && this.#exit === undefined) {
      child.stdin.end();
      if (!(await exitsWithin(this.#exited, STDIN_GRACE_MS))) {
        child.kill('SIGTERM');
        if (!(await exitsWithin(this.#exited, SIGTERM_GRACE_MS))) {
          child.kill('SIGKILL');
          await this.#exited;
        }
      }
    }
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([exited.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function spawnFailure(command: string, error: unknown): CodexError {
  const code = (error as { code?: unknown } | null)?.code;
  const hint =
    code === 'E2BIG'
      ? ': the command line and environment are too long for the OS; put large values in CODEX_HOME/config.toml instead of `config` or `env`'
      : '';
  return new CodexError(`Could not start the app-server (${command}): ${error instanceof Error ? error.message : String(error)}${hint}`, { cause: error });
}
