/**
 * The floor: a minimal hand-written JSON-RPC client for the app-server, with nothing the SDK
 * adds (no deadlines, no admission control, no typed errors, no buffering per consumer). It
 * spawns the process, reads stdout with `readline` and `JSON.parse`, matches responses to
 * requests by id, and hands every notification to one callback.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonlClientOptions {
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface WireMessage {
  id?: number;
  method?: string;
  params?: { threadId?: string; turnId?: string; turn?: { id: string; status: string } };
  result?: unknown;
  error?: { message: string };
}

export class JsonlClient {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<void>;
  #nextId = 0;
  /** Receives every notification, parsed. */
  onNotification: (message: WireMessage) => void = () => undefined;

  private constructor(options: JsonlClientOptions) {
    const [command, ...args] = options.argv;
    this.#child = spawn(command!, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stderr.resume();
    this.#child.once('exit', () => {
      for (const { reject } of this.#pending.values()) reject(new Error('app-server exited'));
      this.#pending.clear();
    });
    const lines = createInterface({ input: this.#child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as WireMessage;
      if (message.method !== undefined) {
        if (message.id === undefined) this.onNotification(message);
        return; // no server requests happen in these benchmarks (approval_policy = never)
      }
      const call = this.#pending.get(message.id!);
      if (call === undefined) return;
      this.#pending.delete(message.id!);
      if (message.error !== undefined) call.reject(new Error(message.error.message));
      else call.resolve(message.result);
    });
  }

  /** Spawns the server and performs the handshake (`initialize`, then `initialized`). */
  static async start(options: JsonlClientOptions): Promise<JsonlClient> {
    const client = new JsonlClient(options);
    await client.request('initialize', { clientInfo: { name: 'bench_jsonl_client', title: null, version: '0.0.0' }, capabilities: { experimentalApi: true } });
    client.#send({ method: 'initialized' });
    return client;
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ id, method, params });
    });
  }

  async threadStart(params: object = {}): Promise<string> {
    const result = (await this.request('thread/start', params)) as { thread: { id: string } };
    return result.thread.id;
  }

  /**
   * Runs one text turn and resolves with its `turn/completed` params once that arrives. `each`
   * sees every notification read meanwhile.
   */
  async runTurn(threadId: string, text: string, each?: (message: WireMessage) => void): Promise<{ turn: { id: string; status: string } }> {
    // `turn/completed` may in principle arrive before the answer to `turn/start` is handled.
    const completed = new Map<string, { turn: { id: string; status: string } }>();
    let waiting: { turnId: string; resolve: (params: { turn: { id: string; status: string } }) => void } | undefined;
    this.onNotification = (message) => {
      each?.(message);
      if (message.method !== 'turn/completed') return;
      const params = message.params as { turn: { id: string; status: string } };
      if (waiting?.turnId === params.turn.id) waiting.resolve(params);
      else completed.set(params.turn.id, params);
    };
    const result = (await this.request('turn/start', { threadId, input: [{ type: 'text', text }] })) as {
      turn: { id: string };
    };
    const turnId = result.turn.id;
    return (
      completed.get(turnId) ??
      new Promise((resolve) => {
        waiting = { turnId, resolve };
      })
    );
  }

  /** Ends stdin (the server exits on EOF) and waits until the process has exited. */
  async close(): Promise<void> {
    this.#child.stdin.end();
    await this.#exited;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #send(message: object): void {
    this.#child.stdin.write(`${JSON.stringify(message)}\n`);
  }
}
