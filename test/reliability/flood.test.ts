import { describe, expect, it } from 'vitest';
import { TransportClosedError, type Notification } from '../../src/index.js';
import { startFake } from '../helpers/fake-server.js';
import { recordFigures, settlement, within } from '../helpers/reliability.js';

// A fake server answers turn/start, writes 100,000 notifications of that turn and its
// turn/completed, and exits at once. Every one of them must reach the turn's stream, in order,
// and only after that may the connection report TransportClosedError.

const COUNT = 100_000;
const THREAD = 'thread-flood';
const TURN = 'turn-flood';

describe('reliability: a flood of notifications, then the server exits', () => {
  it(`delivers all ${COUNT} notifications of a turn, in order, before the close`, async () => {
    const codex = await startFake({
      'thread/start': [{ reply: { thread: { id: THREAD }, model: 'fake' } }],
      'turn/start': [
        { reply: { turn: { id: TURN, status: 'inProgress', items: [] } } },
        { notify: { method: 'turn/started', params: { threadId: THREAD, turn: { id: TURN, status: 'inProgress', items: [] } } } },
        { notifySeq: { method: 'item/agentMessage/delta', params: { threadId: THREAD, turnId: TURN, itemId: 'msg' } }, repeat: COUNT, field: 'delta' },
        { notify: { method: 'turn/completed', params: { threadId: THREAD, turn: { id: TURN, status: 'completed', items: [], error: null } } } },
        { exit: 0 },
      ],
      // Never answered: pending when the server exits.
      'thread/list': [],
    });
    const thread = await codex.threadStart();
    let deliveredAtClose = -1;
    let turnDoneAtClose = false;
    let delivered = 0;
    const closed = new Promise<{ error: TransportClosedError; at: number }>((resolve) =>
      codex.on('close', (error) => {
        deliveredAtClose = delivered;
        turnDoneAtClose = turn?.done ?? false;
        resolve({ error, at: performance.now() });
      }),
    );
    const pending = settlement(codex.request('thread/list', {}));
    const started = performance.now();
    const turn = await thread.turn('flood me');
    // Count at the source: every notification the turn's stream receives, in arrival order.
    const reading = settlement(
      (async () => {
        const order: number[] = [];
        let outOfOrder = 0;
        let last: Notification | undefined;
        for await (const n of turn) {
          delivered++;
          if (n.method === 'item/agentMessage/delta') {
            const i = Number(n.params.delta);
            if (i !== order.length) outOfOrder++;
            order.push(i);
          }
          last = n;
        }
        return { deltas: order.length, outOfOrder, last };
      })(),
    );
    const result = await within(settlement(turn.run()), 60_000, 'run()');
    const read = await within(reading, 60_000, 'the turn stream');
    const close = await within(closed, 60_000, 'the close event');
    const rejected = await within(pending, 10_000, 'the pending request');

    expect(read.ok).toBe(true);
    expect(read.value).toMatchObject({ deltas: COUNT, outOfOrder: 0 });
    expect(read.value!.last?.method).toBe('turn/completed');
    expect(result.ok).toBe(true);
    expect(result.value).toMatchObject({ id: TURN, status: 'completed' });
    // The close came after the turn had received its turn/completed...
    expect(turnDoneAtClose).toBe(true);
    expect(turn.state.completed).toBe(true);
    // ...and everything the server wrote before exiting had reached the stream by then.
    expect(close.error).toBeInstanceOf(TransportClosedError);
    expect(close.error).toMatchObject({ exitCode: 0 });
    expect(rejected.ok).toBe(false);
    expect(rejected.error).toBe(close.error);
    recordFigures('flood', {
      notifications: COUNT + 2,
      deltasDelivered: read.value!.deltas,
      outOfOrder: read.value!.outOfOrder,
      readByConsumerWhenCloseReported: deliveredAtClose,
      turnCompletedBeforeClose: turnDoneAtClose,
      pendingRequestRejectedWith: (rejected.error as Error).name,
      msToClose: Math.round(close.at - started),
      notificationsPerSecond: Math.round((COUNT / (close.at - started)) * 1000),
    });
    await codex.close();
  }, 60_000);
});
