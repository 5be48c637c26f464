import { describe, expect, it } from 'vitest';
import { initialGoalState, reduceGoal, toGoalResult, type GoalState, type Notification } from '../../src/index.js';

// The pure fold behind GoalHandle: which notifications end a goal, and what its result holds.

const goal = (status: string) => ({ threadId: 't', objective: 'o', status, tokenBudget: null, tokensUsed: 0, timeUsedSeconds: 0, createdAt: 0, updatedAt: 0 });
const turn = (id: string, status = 'inProgress') => ({ id, status, items: [], error: null });
const usage = (total: number) => ({
  last: { inputTokens: total, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, totalTokens: total },
  total: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, totalTokens: 0 },
});
const n = {
  updated: (status: string, turnId: string | null = null) => ({ method: 'thread/goal/updated', params: { threadId: 't', turnId, goal: goal(status) } }),
  cleared: { method: 'thread/goal/cleared', params: { threadId: 't' } },
  started: (id: string) => ({ method: 'turn/started', params: { threadId: 't', turn: turn(id) } }),
  message: (turnId: string, text: string) => ({
    method: 'item/completed',
    params: { threadId: 't', turnId, item: { type: 'agentMessage', id: `m-${turnId}`, text, phase: null } },
  }),
  usage: (turnId: string, total: number) => ({ method: 'thread/tokenUsage/updated', params: { threadId: 't', turnId, tokenUsage: usage(total) } }),
  completed: (id: string, status = 'completed') => ({ method: 'turn/completed', params: { threadId: 't', turn: turn(id, status) } }),
};

const fold = (...notifications: object[]): GoalState => notifications.reduce<GoalState>((s, x) => reduceGoal(s, x as Notification), initialGoalState('t'));

describe('reduceGoal', () => {
  it('is done once the goal is no longer active and its last turn has completed, not before', () => {
    const running = fold(n.updated('active'), n.started('a'), n.message('a', 'one'), n.usage('a', 10), n.completed('a'), n.started('b'), n.updated('complete', 'b'));
    expect(running.done).toBe(false);
    expect(running.runningTurnId).toBe('b');
    const done = [n.message('b', 'two'), n.usage('b', 5), n.completed('b')].reduce<GoalState>((s, x) => reduceGoal(s, x as Notification), running);
    expect(done.done).toBe(true);
    const result = toGoalResult(done);
    expect(result.goal?.status).toBe('complete');
    expect(result.turns.map((t) => t.finalResponse)).toEqual(['one', 'two']);
    expect(result.finalResponse).toBe('two');
    expect(result.usage?.totalTokens).toBe(15);
    // Done is final: a later turn is not the goal's.
    expect(reduceGoal(done, n.started('c') as Notification)).toBe(done);
  });

  it('ends after an interrupted turn (the server does not continue), when cleared, and when paused between turns', () => {
    expect(fold(n.updated('active'), n.started('a'), n.completed('a', 'interrupted')).done).toBe(true);
    expect(fold(n.updated('active'), n.started('a'), n.cleared).done).toBe(false);
    expect(fold(n.updated('active'), n.started('a'), n.cleared, n.completed('a')).done).toBe(true);
    expect(fold(n.updated('active'), n.started('a'), n.completed('a'), n.updated('paused')).done).toBe(true);
    expect(fold(n.updated('active')).done).toBe(false);
  });

  it('returns the same state for what changes nothing (deltas, other threads, other turns)', () => {
    const state = fold(n.updated('active'), n.started('a'));
    const delta = { method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'a', itemId: 'm', delta: 'x' } };
    expect(reduceGoal(state, delta as Notification)).toBe(state);
    expect(reduceGoal(state, { ...n.started('z'), params: { threadId: 'other', turn: turn('z') } } as Notification)).toBe(state);
    expect(reduceGoal(state, n.completed('zz') as Notification)).toBe(state);
  });
});
