import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTurnState, reduceTurn, toTurnResult, type Notification } from '../../src/index.js';
import { LineSplitter, LINE_START_CHARS } from '../../src/transport/jsonl.js';
import { TurnRouter } from '../../src/session/turn-router.js';
import { TurnHandle, type TurnControl } from '../../src/session/turn.js';
import { recordFigures } from '../helpers/reliability.js';

// Property-based tests (fast-check):
// - JSONL framing: however a byte stream is cut into chunks, the same lines (and the same
//   oversized-line reports) come out, and every JSON line parses back to what was written.
// - Turn reducer and router: however other turns' events are interleaved with a turn's own,
//   its result is the fold of its own events alone.

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
