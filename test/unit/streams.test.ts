import { describe, expect, it } from 'vitest';
import { StreamConsumedError, type Notification } from '../../src/index.js';
import { Broadcast } from '../../src/session/broadcast.js';
import { TurnHandle, type TurnControl } from '../../src/session/turn.js';
import { forceGc } from '../helpers/gc.js';

// Issue 8, items 7-9: the order of un-awaited next() calls, what a closed reader still pins, and
// iterating a turn after its events were released.

const control: TurnControl = { interrupt: async () => undefined, steer: async () => ({ turnId: 'u' }) };
const n = (method: string, params: object): Notification => ({ method, params }) as unknown as Notification;
const started = n('turn/started', { threadId: 't', turn: { id: 'u', status: 'inProgress', items: [] } });
const delta = (itemId: string, text: string) => n('item/agentMessage/delta', { threadId: 't', turnId: 'u', itemId, delta: text });
const other = n('thread/tokenUsage/updated', { threadId: 't', turnId: 'u', tokenUsage: { last: { totalTokens: 1 }, total: { totalTokens: 1 } } });
const completed = n('turn/completed', { threadId: 't', turn: { id: 'u', status: 'completed', items: [], error: null } });

describe('turn.text() with next() called several times without awaiting', () => {
  it('resolves the calls in call order, events arriving after the calls', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    const text = handle.text()[Symbol.asyncIterator]();
    const calls = [text.next(), text.next(), text.next(), text.next()];
    for (const event of [started, other, delta('a', '1'), other, other, delta('a', '2'), other, delta('a', '3'), completed]) handle.deliver(event);
    expect(await Promise.all(calls)).toEqual([
      { value: '1', done: false },
      { value: '2', done: false },
      { value: '3', done: false },
      { value: undefined, done: true },
    ]);
  });

  it('resolves the calls in call order, some events buffered before the calls', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    handle.deliver(started);
    handle.deliver(other);
    const text = handle.text()[Symbol.asyncIterator]();
    const calls = [text.next(), text.next(), text.next()];
    for (const event of [delta('a', 'x'), other, delta('b', 'y'), completed]) handle.deliver(event);
    expect((await Promise.all(calls)).map((r) => r.value)).toEqual(['x', '\n\ny', undefined]);
  });

  it('keeps order for the turn iterator itself', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    const events = handle[Symbol.asyncIterator]();
    const calls = [events.next(), events.next(), events.next()];
    for (const event of [started, other, completed]) handle.deliver(event);
    expect((await Promise.all(calls)).map((r) => r.value)).toEqual([started, other, completed]);
  });
});

describe('break / return() releases what the reader pinned', () => {
  it('frees events a closed reader had not read, while the caller still holds that reader', async () => {
    const b = new Broadcast<{ payload: number[] }>();
    const held = b.subscribe();
    const moving = b.subscribe();
    let ref: WeakRef<object> | undefined;
    (() => {
      const event = { payload: new Array<number>(1_000).fill(7) };
      ref = new WeakRef(event);
      b.push(event);
    })();
    await held.return();
    expect((await moving.next()).done).toBe(false);
    // WeakRefs stay alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    forceGc();
    expect(ref!.deref()).toBeUndefined();
    // The caller still holds the closed reader, and it stays ended.
    expect(await held.next()).toEqual({ value: undefined, done: true });
  });

  it('frees them for a text() iterator the caller still holds after return()', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    const text = handle.text()[Symbol.asyncIterator]();
    const live = handle[Symbol.asyncIterator]();
    let ref: WeakRef<object> | undefined;
    (() => {
      const event = n('brand/new', { threadId: 't', turnId: 'u', blob: new Array<number>(1_000).fill(1) });
      ref = new WeakRef(event);
      handle.deliver(event);
    })();
    await text.return!();
    expect((await live.next()).done).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    forceGc();
    expect(ref!.deref()).toBeUndefined();
    expect(text).toBeDefined();
  });
});

describe('iterating a turn after its events were released', () => {
  it('fails with StreamConsumedError after run() consumed them, for every way of iterating', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    const result = handle.run();
    await Promise.resolve();
    for (const event of [started, delta('a', 'hi'), completed]) handle.deliver(event);
    await expect(result).resolves.toMatchObject({ status: 'completed' });
    const iterate = async (iterable: AsyncIterable<unknown>): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const value of iterable) out.push(value);
      return out;
    };
    for (const iterable of [handle, handle.stream(), handle.text()]) {
      const error = await iterate(iterable).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamConsumedError);
      expect(error).toMatchObject({ missedEvents: 3 });
      expect((error as Error).message).toContain('before or alongside run()');
    }
  });

  it('still gives everything to a reader that starts alongside run(), or before any event arrived', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    void handle.run();
    const alongside = handle.stream()[Symbol.asyncIterator]();
    await Promise.resolve();
    const beforeEvents = handle.text()[Symbol.asyncIterator]();
    for (const event of [started, delta('a', 'hi'), completed]) handle.deliver(event);
    expect((await alongside.next()).value).toBe(started);
    expect(await beforeEvents.next()).toEqual({ value: 'hi', done: false });
  });
});

describe('several readers attached in one synchronous block', () => {
  it('all see the turn whole, though the first one already took buffered events', async () => {
    const handle = new TurnHandle('t', 'u', control, false);
    for (const event of [started, delta('a', 'x'), other]) handle.deliver(event);
    // As `drain(turn); drain(turn.text()); turn.run()` do: the first reader's next() takes an event at once.
    const first = handle[Symbol.asyncIterator]();
    const firstEvent = first.next();
    const text = handle.text()[Symbol.asyncIterator]();
    const texts = [text.next(), text.next()];
    const result = handle.run();
    for (const event of [delta('a', 'y'), completed]) handle.deliver(event);
    expect((await firstEvent).value).toBe(started);
    expect((await Promise.all(texts)).map((r) => r.value)).toEqual(['x', 'y']);
    expect((await result).status).toBe('completed');
  });
});
