import { describe, expect, it } from 'vitest';
import { Broadcast } from '../../src/session/broadcast.js';
import { forceGc } from '../helpers/gc.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('Broadcast', () => {
  it('keeps everything pushed before the first reader attaches', async () => {
    const b = new Broadcast<number>();
    b.push(1);
    b.push(2);
    const reader = b.subscribe();
    b.push(3);
    b.end();
    expect(await collect(reader)).toEqual([1, 2, 3]);
  });

  it('gives two readers attached together every event, in order', async () => {
    const b = new Broadcast<number>();
    const first = b.subscribe();
    const second = b.subscribe();
    const results = Promise.all([collect(first), collect(second)]);
    for (let i = 0; i < 5; i++) b.push(i);
    b.end();
    expect(await results).toEqual([[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
  });

  it('starts a late reader at the slowest attached reader', async () => {
    const b = new Broadcast<number>();
    const slow = b.subscribe();
    b.push(1);
    b.push(2);
    const late = b.subscribe();
    b.end();
    expect(await collect(late)).toEqual([1, 2]);
    expect(await collect(slow)).toEqual([1, 2]);
  });

  it('starts a reader at the live end when every earlier reader has left', async () => {
    const b = new Broadcast<number>();
    const first = b.subscribe();
    b.push(1);
    await first.return();
    b.push(2);
    const next = b.subscribe();
    b.push(3);
    b.end();
    expect(await collect(next)).toEqual([3]);
  });

  it('delivers buffered events before the error the stream ended with', async () => {
    const b = new Broadcast<number>();
    const reader = b.subscribe();
    b.push(1);
    b.end(new Error('gone'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of reader) seen.push(value);
      })(),
    ).rejects.toThrow('gone');
    expect(seen).toEqual([1]);
  });

  it('wakes a waiting reader when an event arrives, and ends it on close()', async () => {
    const b = new Broadcast<string>();
    const reader = b.subscribe();
    const pending = reader.next();
    b.push('x');
    expect(await pending).toEqual({ value: 'x', done: false });
    const waiting = reader.next();
    reader.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(b.readerCount).toBe(0);
  });

  it('releases events once every reader has read them', async () => {
    const b = new Broadcast<{ big: Uint8Array }>();
    const reader = b.subscribe();
    let collected = 0;
    const registry = new FinalizationRegistry<number>(() => {
      collected += 1;
    });
    for (let i = 0; i < 50; i++) {
      const value = { big: new Uint8Array(1024) };
      registry.register(value, i);
      b.push(value);
      await reader.next();
    }
    // Every event but the last has been read and is no longer reachable from the buffer.
    for (let i = 0; i < 20 && collected < 49; i++) {
      forceGc();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(collected).toBeGreaterThanOrEqual(49);
    expect(b.readerCount).toBe(1);
  });
});
