import { describe, expect, it } from 'vitest';
import { AbortError, TransportClosedError, type Notification, type TurnHandle } from '../../src/index.js';
import { ThreadTracker, type TrackerHooks } from '../../src/session/thread-tracker.js';
import { TurnHandle as Handle, type TurnControl } from '../../src/session/turn.js';

// The thread tracker alone, fed notifications by hand: what later features (goals, review,
// reconnect) rely on.

const control: TurnControl = { interrupt: async () => undefined, steer: async () => ({ turnId: 'x' }) };
const turn = (id: string, status = 'inProgress') => ({ id, status, items: [], error: null });
const n = {
  active: { method: 'thread/status/changed', params: { threadId: 't', status: { type: 'active', activeFlags: [] } } },
  idle: { method: 'thread/status/changed', params: { threadId: 't', status: { type: 'idle' } } },
  started: (id: string) => ({ method: 'turn/started', params: { threadId: 't', turn: turn(id) } }),
  completed: (id: string, status = 'completed') => ({ method: 'turn/completed', params: { threadId: 't', turn: turn(id, status) } }),
  startedUnder: (id: string, root: string) => ({ method: 'turn/started', params: { threadId: 't', turn: { ...turn(id), rootTurnId: root } } }),
  itemStarted: (turnId: string) => ({ method: 'item/started', params: { threadId: 't', turnId, item: { type: 'enteredReviewMode', id: 'i', review: 'x' } } }),
  goal: (status: string, turnId: string | null = null) => ({
    method: 'thread/goal/updated',
    params: { threadId: 't', turnId, goal: { threadId: 't', objective: 'o', status, tokenBudget: null, tokensUsed: 0, timeUsedSeconds: 0, createdAt: 0, updatedAt: 0 } },
  }),
  goalCleared: { method: 'thread/goal/cleared', params: { threadId: 't' } },
} as const;

function tracker(status: 'idle' | 'active' = 'idle'): { tracker: ThreadTracker; adopted: TurnHandle[]; reads: number[] } {
  const adopted: TurnHandle[] = [];
  const reads: number[] = [];
  const routed = new Set<string>();
  const hooks: TrackerHooks = {
    adopt: (threadId, turnId) => {
      const handle = new Handle(threadId, turnId, control, false);
      routed.add(turnId);
      adopted.push(handle);
      return handle;
    },
    isRouted: (turnId) => routed.has(turnId),
    readStatus: async () => (reads.push(Date.now()), status),
  };
  return { tracker: new ThreadTracker('t', hooks), adopted, reads };
}

const feed = (t: ThreadTracker, ...notifications: object[]): void => notifications.forEach((x) => t.observe(x as Notification));

describe('ThreadTracker', () => {
  it('is busy from a turn’s start to its turn/completed (not its idle status), and knows the running turn id', async () => {
    const { tracker: t, adopted } = tracker();
    expect(t.busy).toBe(false);
    feed(t, n.active, n.started('a'));
    expect(t.busy).toBe(true);
    expect(t.runningTurnId).toBe('a');
    expect(adopted.map((h) => h.id)).toEqual(['a']);
    let idle = false;
    const waiting = t.whenIdle().then(() => (idle = true));
    feed(t, n.idle);
    await Promise.resolve();
    expect(idle).toBe(false);
    feed(t, n.completed('a'));
    await waiting;
    expect(t.busy).toBe(false);
    expect(t.runningTurnId).toBeUndefined();
  });

  it('a review: turn/started and turn/completed carry different ids; the turn/started id is the running one', () => {
    const { tracker: t } = tracker();
    feed(t, n.active, n.started('S'));
    expect(t.runningTurnId).toBe('S');
    feed(t, n.idle, n.completed('R'));
    expect(t.busy).toBe(false);
  });

  it('does not adopt its own turn; a late answer naming a completed turn does not mark the thread busy', () => {
    const { tracker: t, adopted } = tracker();
    t.beginOwnStart();
    expect(t.busy).toBe(true);
    feed(t, n.active, n.started('mine'), n.idle, n.completed('mine'));
    t.ownStartAnswered('mine');
    expect(adopted).toEqual([]);
    expect(t.busy).toBe(false);
  });

  it('after a turn/start that timed out, stays busy until the server says otherwise, asking it after a quiet second', async () => {
    const { tracker: t, reads } = tracker('idle');
    t.beginOwnStart();
    t.ownStartFailed(true);
    expect(t.uncertain).toBe(true);
    const started = Date.now();
    await t.whenIdle();
    expect(reads).toHaveLength(1);
    expect(reads[0]! - started).toBeGreaterThanOrEqual(900);
  });

  it('expectTurn() gets the next turn the server starts; turns() yields turns started elsewhere', async () => {
    const { tracker: t } = tracker();
    const elsewhere = t.turns()[Symbol.asyncIterator]();
    const expected = t.expectTurn();
    expected.sent();
    expect(t.busy).toBe(true);
    feed(t, n.active, n.started('compaction'));
    const handle = await expected.handle;
    expect(handle?.id).toBe('compaction');
    expect((await elsewhere.next()).value?.id).toBe('compaction');
    await elsewhere.return?.();
  });

  it('close() rejects waiters and ends turns()', async () => {
    const { tracker: t } = tracker();
    feed(t, n.started('a'));
    const waiting = t.whenIdle();
    const controller = new AbortController();
    const aborted = t.whenIdle(controller.signal);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const elsewhere = t.turns()[Symbol.asyncIterator]();
    const error = new TransportClosedError('gone', { exitCode: 0, signal: null, stderrTail: '' });
    t.close(error);
    await expect(waiting).rejects.toBe(error);
    expect((await elsewhere.next()).done).toBe(true);
  });

  it('an active goal continues after each turn: busy between turns until the next starts or the goal stops', () => {
    const { tracker: t, adopted } = tracker();
    feed(t, n.goal('active'));
    // Set on an idle thread, an active goal starts a turn by itself.
    expect(t.busy).toBe(true);
    feed(t, n.active, n.started('g1'), n.idle, n.completed('g1'));
    expect(t.busy).toBe(true);
    feed(t, n.active, n.started('g2'), n.goal('complete', 'g2'), n.idle, n.completed('g2'));
    expect(t.busy).toBe(false);
    expect(t.goal?.status).toBe('complete');
    expect(adopted.map((h) => h.id)).toEqual(['g1', 'g2']);
    // Interrupted, an active goal does not continue; paused or cleared, nothing follows.
    feed(t, n.goal('active', 'g2'), n.started('g3'), n.completed('g3', 'interrupted'));
    expect(t.busy).toBe(false);
    feed(t, n.started('g4'), n.completed('g4'));
    expect(t.busy).toBe(true);
    feed(t, n.goalCleared);
    expect(t.busy).toBe(false);
    expect(t.goal).toBeNull();
  });

  it('expectServerTurn() (a resume) keeps the thread busy until the goal snapshot says no turn is coming', () => {
    const { tracker: t } = tracker();
    t.expectServerTurn();
    expect(t.busy).toBe(true);
    feed(t, n.goal('paused'));
    expect(t.busy).toBe(false);
    const withdraw = t.expectServerTurn();
    withdraw();
    expect(t.busy).toBe(false);
  });

  it('adopts a review started elsewhere under the id its items and turn/completed carry', async () => {
    const { tracker: t, adopted } = tracker();
    feed(t, n.itemStarted('R'), n.active, n.startedUnder('S', 'R'));
    expect(t.runningTurnId).toBe('S');
    expect(adopted.map((h) => h.id)).toEqual(['R']);
    expect(adopted[0]!.state.turn?.id).toBe('S');
    // A turn chained to an earlier one keeps its own id.
    feed(t, n.completed('R'), n.startedUnder('X', 'R'));
    expect(adopted.map((h) => h.id)).toEqual(['R', 'X']);
  });

  it('a review of its own whose turn/started comes before the review/start answer is not adopted, and is handed back', () => {
    const { tracker: t, adopted } = tracker();
    t.beginOwnStart();
    feed(t, n.itemStarted('R'), n.active, n.startedUnder('S', 'R'));
    const started = t.ownStartAnswered('R');
    expect(started?.method).toBe('turn/started');
    expect(adopted).toEqual([]);
    expect(t.runningTurnId).toBe('S');
    expect(t.busy).toBe(true);
  });

  it('resyncIdle(): a busy state left over from before a reconnect gap ends when the server says idle, unless a goal is active', async () => {
    const { tracker: t } = tracker();
    // Its turn/completed was lost in the gap; the server now reports the thread idle.
    feed(t, n.active, n.started('a'));
    const waiting = t.whenIdle();
    t.resyncIdle();
    await waiting;
    expect(t.busy).toBe(false);
    expect(t.runningTurnId).toBeUndefined();

    const { tracker: withGoal } = tracker();
    feed(withGoal, n.goal('active'));
    expect(withGoal.busy).toBe(true);
    withGoal.resyncIdle();
    // An active goal starts its next turn by itself: the thread stays busy until it does.
    expect(withGoal.busy).toBe(true);
  });
});
