import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { Heartbeat } from '../../src/transport/keepalive.js';

// The heartbeat alone, on a stand-in socket and fake timers: when it pings, what counts as an
// answer, when it gives up, and that it leaves no timer behind. (test/unit/websocket.test.ts
// runs it over a real socket; test/integration/keepalive.test.ts against the real app-server.)

class FakeSocket extends EventEmitter {
  readonly ping = vi.fn();
}

function start(settings = { intervalMs: 100, timeoutMs: 50 }): { socket: FakeSocket; heartbeat: Heartbeat; dead: string[] } {
  const socket = new FakeSocket();
  const dead: string[] = [];
  const heartbeat = new Heartbeat(socket as unknown as WebSocket, settings, (reason) => dead.push(reason));
  return { socket, heartbeat, dead };
}

/** setImmediate too: the heartbeat decides in one. */
const fakeTimers = (): void => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
};

/** Runs the decision the timeout left for after the poll phase (a setImmediate). */
const decide = (): void => {
  vi.advanceTimersByTime(1);
};

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings every interval while pongs come back', () => {
    fakeTimers();
    const { socket, heartbeat, dead } = start();
    expect(socket.ping).not.toHaveBeenCalled();
    for (let i = 1; i <= 5; i++) {
      vi.advanceTimersByTime(100);
      expect(socket.ping).toHaveBeenCalledTimes(i);
      vi.advanceTimersByTime(30);
      // The next ping is due an interval after the pong.
      socket.emit('pong');
    }
    expect(dead).toEqual([]);
    heartbeat.stop();
  });

  it('gives up once the timeout passes without a pong, and leaves no timer behind', () => {
    fakeTimers();
    const { socket, dead } = start();
    vi.advanceTimersByTime(100);
    expect(socket.ping).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(49);
    expect(dead).toEqual([]);
    vi.advanceTimersByTime(1);
    decide();
    expect(dead).toEqual(['no pong within 50 ms']);
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listenerCount('pong')).toBe(0);
    // Nothing more happens.
    vi.advanceTimersByTime(1_000);
    expect(socket.ping).toHaveBeenCalledTimes(1);
    expect(dead).toHaveLength(1);
  });

  it('counts any frame read after the ping as proof of life (a pong may queue behind a flood)', () => {
    fakeTimers();
    const { socket, heartbeat, dead } = start();
    vi.advanceTimersByTime(100);
    heartbeat.heard();
    vi.advanceTimersByTime(50);
    decide();
    expect(dead).toEqual([]);
    // The next ping goes out an interval later; this one gets nothing back.
    vi.advanceTimersByTime(100);
    expect(socket.ping).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(50);
    decide();
    expect(dead).toEqual(['no pong within 50 ms']);
  });

  it('a pong read in the loop turn whose timers fired the timeout still counts (the loop was blocked, not the link)', () => {
    fakeTimers();
    const { socket, heartbeat, dead } = start();
    vi.advanceTimersByTime(150);
    // The timeout has fired; its decision waits for the I/O of this turn, which brings the pong.
    socket.emit('pong');
    decide();
    expect(dead).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(socket.ping).toHaveBeenCalledTimes(2);
    heartbeat.stop();
  });

  it('stop() clears its timers and its pong listener', () => {
    fakeTimers();
    const { socket, heartbeat, dead } = start();
    vi.advanceTimersByTime(100);
    heartbeat.stop();
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listenerCount('pong')).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(socket.ping).toHaveBeenCalledTimes(1);
    expect(dead).toEqual([]);
  });

  it('a ping that cannot be written (socket not open) is left to the socket’s close', () => {
    fakeTimers();
    const { socket, heartbeat, dead } = start();
    socket.ping.mockImplementation(() => {
      throw new Error('WebSocket is not open');
    });
    vi.advanceTimersByTime(1_000);
    expect(dead).toEqual([]);
    heartbeat.stop();
  });

  it('never holds the process open: its timers are unref’d', () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const { heartbeat } = start({ intervalMs: 60_000, timeoutMs: 60_000 });
    expect(timers()).toBe(before);
    heartbeat.stop();
  });
});
