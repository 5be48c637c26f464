import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Codex,
  CodexError,
  externalMessage,
  image,
  initialTurnState,
  localImage,
  mention,
  reduceTurn,
  retryOnOverload,
  safeAnswer,
  skill,
  text,
  toTurnResult,
  type Notification,
  type Thread,
  type TurnHandle as PublicTurnHandle,
} from '../../src/index.js';
import { LineSplitter, LINE_START_CHARS } from '../../src/transport/jsonl.js';
import { TurnRouter } from '../../src/session/turn-router.js';
import { TurnHandle, type TurnControl } from '../../src/session/turn.js';
import { liveChildCount } from '../../src/transport/child-registry.js';
import { startFake } from '../helpers/fake-server.js';
import { HangError, recordFigures, within } from '../helpers/reliability.js';

// Property-based tests (fast-check):
// - JSONL framing: however a byte stream is cut into chunks, the same lines (and the same
//   oversized-line reports) come out, and every JSON line parses back to what was written.
// - Turn reducer and router: however other turns' events are interleaved with a turn's own,
//   its result is the fold of its own events alone.
// - Public API: every public function and method, called with arbitrary wrong values, throws
//   or rejects only with a CodexError (InvalidArgumentError for what it can check itself), and
//   settles; nothing hangs and no process is left behind.

const RUNS = 300;

// ---------- JSONL framing ----------

interface Framed {
  readonly lines: string[];
  readonly oversized: { start: string; length: number }[];
}

function frame(chunks: readonly Buffer[], max: number): Framed {
  const lines: string[] = [];
  const oversized: { start: string; length: number }[] = [];
  const splitter = new LineSplitter(max, { onLine: (line) => lines.push(line), onOversized: (start, length) => oversized.push({ start, length }) });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized };
}

/** Cuts `bytes` at the given positions (any of 0..length, in any order, repeats allowed). */
function cut(bytes: Buffer, positions: readonly number[]): Buffer[] {
  const at = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

type StreamLine = { kind: 'json'; value: unknown } | { kind: 'blank' } | { kind: 'long'; text: string };

const streamLine: fc.Arbitrary<StreamLine> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'blank' as const }) },
  // Lines near and over the limit, so the oversized path is cut at every place too.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 150, maxLength: 700 }).map((text) => ({ kind: 'long' as const, text: JSON.stringify(text) })) },
);

const stream = fc.record({
  lines: fc.array(streamLine, { maxLength: 25 }),
  crlf: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
  finalNewline: fc.boolean(),
  max: fc.integer({ min: LINE_START_CHARS, max: 600 }),
  cuts: fc.array(fc.nat(), { maxLength: 40 }),
});

function render(lines: readonly StreamLine[], crlf: readonly boolean[], finalNewline: boolean): { text: string; jsonLines: string[] } {
  const jsonLines: string[] = [];
  const parts = lines.map((line, i) => {
    const text = line.kind === 'json' ? JSON.stringify(line.value) : line.kind === 'long' ? line.text : '';
    if (line.kind !== 'blank') jsonLines.push(text);
    const last = i === lines.length - 1;
    return last && !finalNewline ? text : `${text}${crlf[i] ? '\r\n' : '\n'}`;
  });
  return { text: parts.join(''), jsonLines };
}

describe('reliability: properties of the JSONL framing', () => {
  it('any split of a valid stream gives the same lines and the same oversized reports', () => {
    let checked = 0;
    fc.assert(
      fc.property(stream, ({ lines, crlf, finalNewline, max, cuts }) => {
        const { text, jsonLines } = render(lines, crlf, finalNewline);
        const bytes = Buffer.from(text, 'utf8');
        const whole = frame([bytes], max);
        const split = frame(cut(bytes, cuts), max);
        const byteByByte = frame(cut(bytes, Array.from({ length: bytes.length }, (_, i) => i)), max);
        expect(split).toEqual(whole);
        expect(byteByByte).toEqual(whole);
        // And what came out is what went in: lines within the limit, in order; the rest reported.
        expect(whole.lines).toEqual(jsonLines.filter((line) => line.length <= max));
        expect(whole.oversized).toEqual(
          jsonLines.filter((line) => line.length > max).map((line) => ({ start: line.slice(0, LINE_START_CHARS), length: line.length })),
        );
        for (const [i, line] of whole.lines.entries()) {
          const source = lines.filter((l) => l.kind !== 'blank' && (l.kind === 'long' ? l.text : JSON.stringify(l.value)).length <= max)[i]!;
          if (source.kind === 'json') expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(source.value)));
        }
        checked++;
      }),
      { numRuns: RUNS },
    );
    recordFigures('property-framing', { runs: checked });
  });

  it('judges a CRLF line at the limit the same wherever the stream is cut', () => {
    const max = 300;
    for (const length of [max - 1, max, max + 1, max + 2]) {
      const line = `"${'é'.repeat(length - 2)}"`;
      const bytes = Buffer.from(`${line}\r\n[1]\r\n`, 'utf8');
      const expected: Framed = length <= max ? { lines: [line, '[1]'], oversized: [] } : { lines: ['[1]'], oversized: [{ start: line.slice(0, LINE_START_CHARS), length }] };
      for (let at = 0; at <= bytes.length; at++) expect(frame(cut(bytes, [at]), max), `length ${length}, cut at ${at}`).toEqual(expected);
    }
  });
});

// ---------- Turn reducer and router ----------

const STATUSES = ['completed', 'failed', 'interrupted'] as const;
const n = (method: string, params: object): Notification => ({ method, params }) as unknown as Notification;

/** The notifications of one turn, in order; with `complete`, ending with turn/completed. */
function turnEvents(threadId: string, turnId: string, complete: boolean): fc.Arbitrary<Notification[]> {
  const item = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), text: fc.string({ maxLength: 8 }), phase: fc.constantFrom(null, 'commentary', 'final_answer') });
  const middle = fc.oneof(
    item.map((i) => n('item/completed', { threadId, turnId, item: { type: 'agentMessage', ...i } })),
    item.map((i) => n('item/started', { threadId, turnId, item: { type: 'agentMessage', ...i } })),
    fc.string({ maxLength: 4 }).map((delta) => n('item/agentMessage/delta', { threadId, turnId, itemId: 'a', delta })),
    fc.nat(100).map((tokens) => n('thread/tokenUsage/updated', { threadId, turnId, tokenUsage: { last: { totalTokens: tokens }, total: { totalTokens: tokens } } })),
    fc.record({ willRetry: fc.boolean(), message: fc.string({ maxLength: 6 }) }).map(({ willRetry, message }) =>
      n('error', { threadId, turnId, willRetry, error: { message, codexErrorInfo: 'other' } }),
    ),
  );
  const started = n('turn/started', { threadId, turn: { id: turnId, status: 'inProgress', items: [] } });
  const end = fc.constantFrom(...STATUSES).map((status) =>
    n('turn/completed', { threadId, turn: { id: turnId, status, items: [], error: status === 'failed' ? { message: 'failed', codexErrorInfo: 'other' } : null } }),
  );
  return fc.tuple(fc.array(middle, { maxLength: 12 }), end).map(([events, last]) => (complete ? [started, ...events, last] : [started, ...events]));
}

/** Thread-wide notifications that name no turn. */
const noise = fc.array(
  fc.oneof(
    fc.constant(n('thread/status/changed', { threadId: 'thread-0', status: { type: 'idle' } })),
    fc.constant(n('account/rateLimits/updated', { rateLimits: {} })),
    fc.constant(n('brand/new', { turnId: 42 })),
  ),
  { maxLength: 6 },
);

/** Merges sequences keeping each one's order; `schedule` picks which goes next. */
function interleave<T>(sequences: readonly (readonly T[])[], schedule: readonly number[]): T[] {
  const positions = sequences.map(() => 0);
  const out: T[] = [];
  const total = sequences.reduce((sum, s) => sum + s.length, 0);
  for (let step = 0; out.length < total; step++) {
    let pick = (schedule[step] ?? step) % sequences.length;
    while (positions[pick]! >= sequences[pick]!.length) pick = (pick + 1) % sequences.length;
    out.push(sequences[pick]![positions[pick]!++]!);
  }
  return out;
}

const fold = (events: readonly Notification[], threadId: string, turnId: string) => events.reduce(reduceTurn, initialTurnState(threadId, turnId));

const control: TurnControl = { interrupt: async () => undefined, steer: async () => ({ turnId: 'x' }) };

describe('reliability: properties of the turn reducer and router', () => {
  it("any interleaving of other turns' events leaves a turn's result unchanged", () => {
    let checked = 0;
    fc.assert(
      fc.property(
        turnEvents('thread-0', 'turn-0', true),
        turnEvents('thread-0', 'turn-1', true),
        turnEvents('thread-1', 'turn-2', false),
        noise,
        fc.array(fc.nat(3), { maxLength: 80 }),
        (own, sameThread, otherThread, thread, schedule) => {
          const mixed = interleave([own, sameThread, otherThread, thread], schedule);
          const alone = fold(own, 'thread-0', 'turn-0');
          const amid = fold(mixed, 'thread-0', 'turn-0');
          expect(amid).toEqual(alone);
          expect(toTurnResult(amid)).toEqual(toTurnResult(alone));
          checked++;
        },
      ),
      { numRuns: RUNS },
    );
    recordFigures('property-reducer', { runs: checked });
  });

  it('the router gives each turn exactly its own events, in order, however they interleave and whenever turn/start answers', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(turnEvents('thread-a', 'turn-a', true), turnEvents('thread-b', 'turn-b', true), turnEvents('thread-c', 'turn-c', true)),
        noise,
        fc.array(fc.nat(3), { maxLength: 80 }),
        fc.tuple(fc.nat(), fc.nat(), fc.nat()),
        async (turns, thread, schedule, answerAt) => {
          const ids = [
            ['thread-a', 'turn-a'],
            ['thread-b', 'turn-b'],
            ['thread-c', 'turn-c'],
          ] as const;
          const mixed = interleave([...turns, thread], schedule);
          const router = new TurnRouter();
          // Every turn/start is written first; its answer lands at a random point of the stream.
          const pending = ids.map(([threadId]) => router.beginStart(threadId, undefined));
          const answers = answerAt.map((a) => a % (mixed.length + 1));
          const handles: (TurnHandle | undefined)[] = [undefined, undefined, undefined];
          const answer = (position: number): void => {
            ids.forEach(([threadId, turnId], i) => {
              if (answers[i] === position && handles[i] === undefined) {
                handles[i] = new TurnHandle(threadId, turnId, control, false);
                router.completeStart(pending[i]!, handles[i]!);
              }
            });
          };
          mixed.forEach((event, position) => {
            answer(position);
            router.route(event);
          });
          answer(mixed.length);
          for (const [i, [threadId, turnId]] of ids.entries()) {
            const handle = handles[i]!;
            expect(handle.done).toBe(true);
            expect(handle.state).toEqual(fold(turns[i]!, threadId, turnId));
            const seen: Notification[] = [];
            for await (const event of handle) seen.push(event);
            expect(seen).toEqual(turns[i]);
            expect(router.isRouted(turnId)).toBe(false);
          }
          checked++;
        },
      ),
      { numRuns: RUNS },
    );
    recordFigures('property-router', { runs: checked });
  });
});

// ---------- Public API with wrong values ----------

/** Values of every kind, most of them wrong for any given parameter. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Symbol('wrong')),
  fc.constant(Number.NaN),
  fc.constant(-1),
  fc.constant(''),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.string({ maxLength: 12 }),
  fc.func(fc.anything()),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.record({ signal: fc.anything(), timeoutMs: fc.anything(), includeHidden: fc.anything(), separator: fc.anything(), onServerRequest: fc.anything() }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 2 }),
);

const TURN = { id: 'u', status: 'inProgress', items: [] };
const THREAD_REPLY = { thread: { id: 't', turns: [] }, model: 'm', modelProvider: 'p', cwd: '/', approvalPolicy: 'never', approvalsReviewer: 'user', sandbox: { type: 'dangerFullAccess' } };
/** A fake server that answers everything at once; every turn completes right after it starts. */
const ANSWERS_ALL = {
  'thread/start': [{ reply: THREAD_REPLY }],
  'thread/resume': [{ reply: THREAD_REPLY }],
  'thread/fork': [{ reply: THREAD_REPLY }],
  'thread/unarchive': [{ reply: THREAD_REPLY }],
  'model/list': [{ reply: { data: [], nextCursor: null } }],
  'turn/start': [
    { reply: { turn: TURN } },
    { notify: { method: 'turn/started', params: { threadId: 't', turn: TURN } } },
    { notify: { method: 'turn/completed', params: { threadId: 't', turn: { ...TURN, status: 'completed', error: null } } } },
  ],
  // As the real server: compaction runs as a turn the server starts, and thread/read says idle.
  'thread/compact/start': [
    { reply: {} },
    { notify: { method: 'turn/started', params: { threadId: 't', turn: { ...TURN, id: 'c' } } } },
    { notify: { method: 'turn/completed', params: { threadId: 't', turn: { ...TURN, id: 'c', status: 'completed', error: null } } } },
  ],
  'thread/read': [{ reply: { thread: { ...THREAD_REPLY.thread, status: { type: 'idle' } } } }],
  '*': [{ reply: {} }],
};

type Target = readonly [name: string, call: (args: readonly unknown[]) => unknown];

function publicTargets(codex: Codex, thread: Thread, turn: PublicTurnHandle): Target[] {
  const any = (f: unknown) => f as (...args: readonly unknown[]) => unknown;
  const method = (object: object, name: string): Target => [name, (args) => any((object as Record<string, unknown>)[name]).apply(object, [...args])];
  return [
    ...['request', 'rawRequest', 'notifications', 'on', 'threadStart', 'threadResume', 'threadFork', 'threadList', 'threadArchive', 'threadUnarchive', 'models', 'account', 'loginApiKey', 'loginChatgpt', 'loginChatgptDeviceCode', 'logout'].map((name) => method(codex, name)),
    ...['turn', 'run', 'read', 'setName', 'compact'].map((name) => method(thread, name)),
    ...['stream', 'text', 'run', 'interrupt', 'steer', 'whenDone'].map((name) => method(turn, name)),
    ['turn[Symbol.asyncIterator]', () => turn[Symbol.asyncIterator]()],
    ['text', (args) => any(text)(...args)],
    ['image', (args) => any(image)(...args)],
    ['localImage', (args) => any(localImage)(...args)],
    ['skill', (args) => any(skill)(...args)],
    ['mention', (args) => any(mention)(...args)],
    ['externalMessage', (args) => any(externalMessage)(...args)],
    ['retryOnOverload', (args) => any(retryOnOverload)(...args)],
    ['safeAnswer', (args) => any(safeAnswer)(...args)],
  ];
}

/** Whatever `call` returned or threw, settled: iterators are closed, unsubscribe functions called. */
async function outcome(call: () => unknown): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    const value = await call();
    if (typeof value === 'function') (value as () => void)();
    const iterator = value as { return?: () => unknown } | null;
    if (typeof iterator === 'object' && iterator !== null && typeof iterator.return === 'function') await iterator.return();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('reliability: properties of the public API with wrong values', () => {
  it('every public method throws or rejects only with a CodexError, and settles', async () => {
    const before = liveChildCount();
    const codex = await startFake(ANSWERS_ALL, { requestTimeoutMs: 5_000 });
    const thread = await codex.threadStart();
    const turn = await thread.turn('hi');
    await turn.run();
    const targets = publicTargets(codex, thread, turn);
    const seen = new Map<string, number>();
    let calls = 0;
    let hangs = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), fc.array(wrongValue, { maxLength: 3 }), async ([name, call], args) => {
          calls++;
          const result = await within(outcome(() => call(args)), 10_000, name).catch((error: unknown) => {
            if (error instanceof HangError) hangs++;
            throw error;
          });
          if (!result.ok) {
            expect(result.error, `${name}(${args.map((a) => typeof a).join(', ')}) threw ${String(result.error)}`).toBeInstanceOf(CodexError);
            const kind = (result.error as Error).name;
            seen.set(kind, (seen.get(kind) ?? 0) + 1);
          }
        }),
        { numRuns: 400 },
      );
      // The client is still fine after all of it.
      await expect(codex.threadList()).resolves.toEqual({});
    } finally {
      await codex.close();
    }
    expect(seen.get('InvalidArgumentError') ?? 0).toBeGreaterThan(0);
    expect(hangs).toBe(0);
    expect(liveChildCount()).toBe(before);
    recordFigures('property-public-api', { calls, hangs, errors: Object.fromEntries(seen), leakedProcesses: liveChildCount() - before });
  }, 180_000);

  it('Codex.start() refuses wrong option values with InvalidArgumentError and leaves no process', async () => {
    const before = liveChildCount();
    const keys = ['codexPath', 'launchArgs', 'config', 'codexHome', 'cwd', 'env', 'clientInfo', 'experimentalApi', 'optOutNotificationMethods', 'requestTimeoutMs', 'maxInFlightRequests', 'maxMessageBytes', 'signal', 'onWarning', 'onServerRequest', 'serverRequestTimeoutMs'];
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(wrongValue.map((options) => ({ options, key: undefined })), fc.record({ key: fc.constantFrom(...keys), value: wrongValue }).map(({ key, value }) => ({ options: { [key]: value, launchArgs: key === 'launchArgs' ? value : [process.execPath, '-e', ''] }, key }))), async ({ options }) => {
        calls++;
        const result = await within(outcome(async () => (await Codex.start(options as never)).close()), 15_000, 'Codex.start()');
        if (!result.ok) expect(result.error, String(result.error)).toBeInstanceOf(CodexError);
      }),
      { numRuns: 60 },
    );
    expect(liveChildCount()).toBe(before);
    recordFigures('property-start-options', { calls, leakedProcesses: liveChildCount() - before });
  }, 300_000);
});
