/**
 * A scripted stand-in for the model provider: an HTTP server on 127.0.0.1 that answers codex's
 * Responses API requests (`POST /v1/responses`) with queued replies, and records every request.
 * For tests only: it has no authentication, and any local process can reach its port.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildCodexConfig, mergeConfig, type ScriptedCodexConfig, type ScriptedCodexConfigOptions } from './codex-config.js';
import { createTemporaryCodexHome, type TemporaryCodexHome, type TemporaryCodexHomeOptions } from './codex-home.js';
import { RecordedRequest } from './recorded-request.js';
import type { ScriptedHttpReply, ScriptedReply, ScriptedStreamReply } from './replies.js';
import { compileMatch, type CompiledMatch, type ReplyMatch } from './reply-match.js';
import { formatSseEvent, type SseEvent } from './sse.js';
import type { TomlTable } from '../transport/toml.js';

/** Options of {@link ScriptedModel.start}. */
export interface ScriptedModelOptions {
  /** The model slug codex is configured with. Default `mock-model`. */
  readonly model?: string | undefined;
  /** The id of the provider in codex's `model_providers` table. Default `mock`. */
  readonly providerId?: string | undefined;
  /** Port to listen on. Default 0: an ephemeral port. */
  readonly port?: number | undefined;
  /**
   * HTTP status of the answer to a model request when no reply is queued. Default 501, because
   * codex quotes the body of such an error in the turn's error message
   * (`ScriptedModel: no reply queued for request #N`); a 500 would show as codex's generic
   * "We're currently experiencing high demand…" instead.
   */
  readonly noReplyStatus?: number | undefined;
  /**
   * Largest request body accepted, in bytes; a longer one is answered 413 and not read further.
   * Default 32 MiB, far above what codex sends. The server listens on 127.0.0.1 without
   * authentication, so any local process can reach it: the cap keeps one from exhausting memory.
   */
  readonly maxBodyBytes?: number | undefined;
}

/** Default {@link ScriptedModelOptions.maxBodyBytes}. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Options of {@link ScriptedModel.waitForRequests}. */
export interface WaitForRequestsOptions {
  /** Reject after this long. Default 5 000 ms. */
  readonly timeoutMs?: number | undefined;
}

/** Options of {@link ScriptedModel.createCodexHome}. */
export interface CreateCodexHomeOptions extends ScriptedCodexConfigOptions, TemporaryCodexHomeOptions {
  /** More configuration, merged into the generated `config.toml` (tables merge, values replace). */
  readonly extraConfig?: TomlTable | undefined;
}

/** A misuse of the scripted model, or a wait that timed out. */
export class ScriptedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptedModelError';
  }
}

/** The path prefix of `baseUrl`; codex appends `/responses`. */
const BASE_PATH = '/v1';
const RESPONSES_PATH = `${BASE_PATH}/responses`;

/** A stream held open by a `hang` reply until released. */
interface Gate {
  released: boolean;
  readonly open: () => void;
  readonly opened: Promise<void>;
}

/** Replies kept for the requests one {@link ReplyMatch} accepts. */
interface MatchedQueue {
  readonly match: CompiledMatch;
  readonly replies: ScriptedReply[];
}

interface Waiter {
  readonly count: number;
  readonly resolve: (requests: readonly RecordedRequest[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A scripted model provider for codex.
 *
 * ```ts
 * await using model = await ScriptedModel.start();
 * model.enqueue(reply.message('Hello!', { deltas: 3 }));
 * await using home = await model.createCodexHome();
 * // spawn `codex app-server` with CODEX_HOME=home.path, run a turn…
 * expect(model.requests[0]?.lastUserText).toBe('hi');
 * ```
 *
 * Each `POST /v1/responses` takes the next queued reply: first one queued by
 * {@link enqueueFor} for a thread or prompt the request matches, else the next of
 * {@link enqueue}, first in, first out. A request with nothing queued gets
 * HTTP 501 (see {@link ScriptedModelOptions.noReplyStatus}) with the error message
 * `ScriptedModel: no reply queued for request #N`, and is recorded with
 * `reply: 'no reply queued'`: the turn fails at once instead of hanging. Other paths get a JSON 404 and are recorded in
 * {@link otherRequests}.
 */
export class ScriptedModel implements AsyncDisposable {
  /** `http://127.0.0.1:PORT/v1`: the provider's `base_url`. */
  readonly baseUrl: string;
  readonly port: number;
  /** The model slug in {@link codexConfig}. */
  readonly model: string;
  /** The provider id in {@link codexConfig}. */
  readonly providerId: string;

  readonly #server: http.Server;
  readonly #noReplyStatus: number;
  readonly #maxBodyBytes: number;
  readonly #queue: ScriptedReply[] = [];
  readonly #matched: MatchedQueue[] = [];
  readonly #requests: RecordedRequest[] = [];
  readonly #otherRequests: RecordedRequest[] = [];
  readonly #gates = new Set<Gate>();
  readonly #waiters = new Set<Waiter>();
  readonly #sockets: Set<Socket>;
  readonly #shutdown = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(server: http.Server, sockets: Set<Socket>, options: ScriptedModelOptions) {
    const port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#sockets = sockets;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}${BASE_PATH}`;
    this.model = options.model ?? 'mock-model';
    this.providerId = options.providerId ?? 'mock';
    this.#noReplyStatus = options.noReplyStatus ?? 501;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.#receive(req, res));
    server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => this.#refuseUpgrade(req, socket));
  }

  /** Starts a server on 127.0.0.1 (an ephemeral port unless `options.port` is given). */
  static async start(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
    const noReplyStatus = options.noReplyStatus ?? 501;
    if (!Number.isInteger(noReplyStatus) || noReplyStatus < 400 || noReplyStatus > 599) {
      throw new RangeError(`noReplyStatus must be an HTTP error status (400-599), got ${noReplyStatus}`);
    }
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
      throw new RangeError(`maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`);
    }
    const server = http.createServer();
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new ScriptedModel(server, sockets, options);
  }

  /**
   * Queues replies; each model request takes the next one, in order.
   *
   * @throws ScriptedModelError after {@link close}.
   */
  enqueue(...replies: readonly ScriptedReply[]): this {
    if (this.#shutdown.signal.aborted) throw new ScriptedModelError('ScriptedModel: enqueue() after close()');
    this.#queue.push(...replies);
    return this;
  }

  /**
   * Queues replies for the model requests that `match` accepts only: one thread
   * (`{ threadId }`), one prompt (`{ prompt: 'text' | /re/ }`) or any condition (`{ where }`).
   * Matching requests take these replies in order, before anything queued by {@link enqueue};
   * other requests never take them. When several `enqueueFor` queues accept a request, the one
   * queued first answers.
   *
   * ```ts
   * const [a, b] = await Promise.all([codex.threadStart(), codex.threadStart()]);
   * model.enqueueFor({ threadId: a.id }, reply.message('from A'));
   * model.enqueueFor({ threadId: b.id }, reply.message('from B'));
   * await Promise.all([a.run('hi'), b.run('hi')]); // each gets its own, whichever asks first
   * ```
   *
   * @throws TypeError when `match` has no valid condition; ScriptedModelError after {@link close}.
   */
  enqueueFor(match: ReplyMatch, ...replies: readonly ScriptedReply[]): this {
    if (this.#shutdown.signal.aborted) throw new ScriptedModelError('ScriptedModel: enqueueFor() after close()');
    this.#matched.push({ match: compileMatch(match), replies: [...replies] });
    return this;
  }

  /** How many queued replies (by {@link enqueue} and {@link enqueueFor}) no request has taken yet. */
  get pendingReplies(): number {
    return this.#queue.length + this.#matched.reduce((sum, queue) => sum + queue.replies.length, 0);
  }

  /** The model requests (`POST /v1/responses`) received so far, in arrival order (a snapshot). */
  get requests(): readonly RecordedRequest[] {
    return [...this.#requests];
  }

  /** Requests to any other path (answered with a JSON 404 or a refused upgrade), in arrival order. */
  get otherRequests(): readonly RecordedRequest[] {
    return [...this.#otherRequests];
  }

  /** How many `hang` streams are held open now (or are about to be), not yet released. */
  get hangingCount(): number {
    let count = 0;
    for (const gate of this.#gates) if (!gate.released) count++;
    return count;
  }

  /**
   * Resolves with the model requests once at least `count` have arrived.
   *
   * @throws ScriptedModelError (rejects) on timeout, naming how many arrived, or on {@link close}.
   */
  waitForRequests(count: number, options: WaitForRequestsOptions = {}): Promise<readonly RecordedRequest[]> {
    if (this.#requests.length >= count) return Promise.resolve(this.requests);
    if (this.#shutdown.signal.aborted) {
      return Promise.reject(new ScriptedModelError(`ScriptedModel: waitForRequests(${count}) after close()`));
    }
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new ScriptedModelError(this.#describeTimeout(count, timeoutMs)));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /**
   * Lets every `hang` stream go on: each sends its remaining events and ends (or drops its
   * connection, as its reply says). Includes streams whose request has arrived but which are
   * still in their `delayMs`, so calling this right after {@link waitForRequests} is safe.
   *
   * @returns how many streams were released.
   */
  releaseHanging(): number {
    let released = 0;
    for (const gate of this.#gates) {
      if (!gate.released) {
        gate.released = true;
        gate.open();
        released++;
      }
    }
    return released;
  }

  /**
   * Config overrides pointing codex at this server, offline: `model`, `model_provider`,
   * `model_providers.<id>` (`base_url`, `wire_api = "responses"`, no retries),
   * `features.plugins = false`, `features.shell_snapshot = false`, `approval_policy` (default
   * `never`) and `sandbox_mode` (default `danger-full-access`).
   */
  codexConfig(options: ScriptedCodexConfigOptions = {}): ScriptedCodexConfig {
    return buildCodexConfig({ baseUrl: this.baseUrl, model: this.model, providerId: this.providerId }, options);
  }

  /**
   * Writes {@link codexConfig} (merged with `extraConfig`) as the `config.toml` of a fresh
   * temporary directory, to pass as `CODEX_HOME`. The caller removes it (`remove()` or
   * `await using`); {@link close} does not.
   */
  createCodexHome(options: CreateCodexHomeOptions = {}): Promise<TemporaryCodexHome> {
    const config = mergeConfig(this.codexConfig(options), options.extraConfig ?? {});
    return createTemporaryCodexHome(config, options);
  }

  /**
   * Stops the server: pending delays and held streams end with their connections destroyed,
   * every socket is closed, pending {@link waitForRequests} reject. Nothing is left to keep the
   * process alive. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#shutdown.abort();
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(
          new ScriptedModelError(
            `ScriptedModel: closed while waiting for ${waiter.count} model request(s) (${this.#requests.length} arrived)`,
          ),
        );
      }
      this.#waiters.clear();
      // The 'close' event comes before libuv has released the handles; one timer turn later it has.
      this.#server.close(() => setTimeout(resolve, 0));
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  /** Same as {@link close}, for `await using model = await ScriptedModel.start()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    const tooLarge = (): void => {
      // Stop reading, answer, and close the connection: the rest of the body is never buffered.
      req.removeAllListeners('data');
      req.removeAllListeners('end');
      chunks.length = 0;
      this.#otherRequests.push(this.#record(req, '', this.#otherRequests.length + 1, 'body too large'));
      const message = `ScriptedModel: request body over maxBodyBytes (${this.#maxBodyBytes})`;
      sendJson(res, 413, errorBody(message, 'body_too_large'), { connection: 'close' });
      res.once('finish', () => req.destroy());
    };
    if (Number.isFinite(declared) && declared > this.#maxBodyBytes) {
      tooLarge();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.#maxBodyBytes) tooLarge();
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => this.#dispatch(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  #dispatch(req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const path = url.split('?', 1)[0];
    if (method !== 'POST' || path !== RESPONSES_PATH) {
      this.#otherRequests.push(this.#record(req, bodyText, this.#otherRequests.length + 1, 'not found'));
      sendJson(res, 404, errorBody(`ScriptedModel: no route for ${method} ${path ?? url}`, 'not_found'), {});
      return;
    }
    const sequence = this.#requests.length + 1;
    const next = this.#nextReply(req, bodyText, sequence);
    this.#requests.push(this.#record(req, bodyText, sequence, next?.label ?? 'no reply queued'));
    // Created before anyone can observe the request, so releaseHanging() can never miss it.
    const gate = next?.kind === 'stream' && next.holdUntilReleased ? this.#newGate() : undefined;
    this.#notifyWaiters();
    if (next === undefined) {
      const message = `ScriptedModel: no reply queued for request #${sequence}${this.#waitingElsewhere()}`;
      sendJson(res, this.#noReplyStatus, errorBody(message, 'no_reply_queued'), {});
      return;
    }
    this.#serve(res, next, gate).catch(() => res.destroy());
  }

  async #serve(res: http.ServerResponse, scripted: ScriptedReply, gate: Gate | undefined): Promise<void> {
    const disconnected = new AbortController();
    const onClose = (): void => disconnected.abort();
    res.on('close', onClose);
    const signal = AbortSignal.any([disconnected.signal, this.#shutdown.signal]);
    try {
      if (scripted.delayMs > 0) await sleep(scripted.delayMs, undefined, { signal });
      signal.throwIfAborted();
      if (scripted.kind === 'http') {
        sendHttpReply(res, scripted);
        return;
      }
      await this.#stream(res, scripted, gate, signal);
    } catch {
      res.destroy();
    } finally {
      res.off('close', onClose);
      if (gate !== undefined) this.#gates.delete(gate);
    }
  }

  async #stream(res: http.ServerResponse, scripted: ScriptedStreamReply, gate: Gate | undefined, signal: AbortSignal): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...scripted.headers,
    });
    res.flushHeaders();
    await writeEvents(res, scripted.events, scripted.eventDelayMs, signal);
    if (gate !== undefined) {
      await waitForGate(gate, signal);
      await writeEvents(res, scripted.eventsAfterRelease, scripted.eventDelayMs, signal);
    }
    if (scripted.ending === 'drop') res.destroy();
    else res.end();
  }

  /** The reply for this request: the first matching `enqueueFor` queue's, else the FIFO's. */
  #nextReply(req: http.IncomingMessage, bodyText: string, sequence: number): ScriptedReply | undefined {
    if (this.#matched.length > 0) {
      const probe = this.#record(req, bodyText, sequence, '');
      const index = this.#matched.findIndex((queue) => queue.replies.length > 0 && queue.match.test(probe));
      const queue = this.#matched[index];
      if (queue !== undefined) {
        const next = queue.replies.shift();
        if (queue.replies.length === 0) this.#matched.splice(index, 1);
        return next;
      }
    }
    return this.#queue.shift();
  }

  /** For the no-reply error: replies that wait for other requests, which may explain the miss. */
  #waitingElsewhere(): string {
    const waiting = this.#matched.filter((queue) => queue.replies.length > 0);
    if (waiting.length === 0) return '';
    return ` (replies wait only for: ${waiting.map((queue) => queue.match.description).join('; ')})`;
  }

  #newGate(): Gate {
    let open = (): void => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    const gate: Gate = { released: false, open, opened };
    this.#gates.add(gate);
    return gate;
  }

  #record(req: http.IncomingMessage, bodyText: string, sequence: number, reply: string): RecordedRequest {
    return new RecordedRequest({
      sequence,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: flattenHeaders(req.headers),
      bodyText,
      receivedAt: Date.now(),
      reply,
    });
  }

  #notifyWaiters(): void {
    for (const waiter of this.#waiters) {
      if (this.#requests.length >= waiter.count) {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        waiter.resolve(this.requests);
      }
    }
  }

  #refuseUpgrade(req: http.IncomingMessage, socket: Socket): void {
    this.#otherRequests.push(this.#record(req, '', this.#otherRequests.length + 1, 'upgrade refused'));
    const body = JSON.stringify(errorBody(`ScriptedModel: no upgrade to ${req.headers.upgrade ?? 'unknown'}`, 'not_found'));
    socket.end(
      `HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  #describeTimeout(count: number, timeoutMs: number): string {
    const others = this.#otherRequests.map((request) => `${request.method} ${request.path}`);
    return (
      `ScriptedModel: waited ${timeoutMs} ms for ${count} model request(s), ${this.#requests.length} arrived` +
      ` (${this.#queue.length} repl${this.#queue.length === 1 ? 'y' : 'ies'} still queued` +
      `${others.length > 0 ? `; other requests: ${others.join(', ')}` : ''})`
    );
  }
}

async function writeEvents(res: http.ServerResponse, events: readonly SseEvent[], eventDelayMs: number, signal: AbortSignal): Promise<void> {
  for (const [index, event] of events.entries()) {
    if (index > 0 && eventDelayMs > 0) await sleep(eventDelayMs, undefined, { signal });
    signal.throwIfAborted();
    await writeChunk(res, formatSseEvent(event));
  }
}

/** Resolves once the chunk is handed to the socket, so a later `destroy()` cannot lose it. */
function writeChunk(res: http.ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

function waitForGate(gate: Gate, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void gate.opened.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function sendHttpReply(res: http.ServerResponse, scripted: ScriptedHttpReply): void {
  sendJson(res, scripted.status, scripted.body, scripted.headers);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorBody(message: string, code: string): { error: { message: string; type: string; code: string } } {
  return { error: { message, type: 'scripted_model_error', code } };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
