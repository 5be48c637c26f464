import { describe, expect, it } from 'vitest';
import { finalResponseOf, initialTurnState, reduceTurn, toTurnResult, turnIdOf, type Notification, type ThreadItem } from '../../src/index.js';

const T = 'thread-1';
const U = 'turn-1';
const turn = (status: 'inProgress' | 'completed' | 'failed' | 'interrupted', error: unknown = null) =>
  ({ id: U, items: [], status, error, startedAt: 1, completedAt: status === 'inProgress' ? null : 2, durationMs: 5 }) as never;
const agent = (id: string, text: string, phase: string | null = null): ThreadItem => ({ type: 'agentMessage', id, text, phase }) as ThreadItem;
const n = (method: string, params: object) => ({ method, params }) as unknown as Notification;

describe('reduceTurn', () => {
  it('folds a turn: items in completion order, usage, status and the final answer', () => {
    const events = [
      n('turn/started', { threadId: T, turn: turn('inProgress') }),
      n('item/agentMessage/delta', { threadId: T, turnId: U, itemId: 'a', delta: 'x' }),
      n('item/completed', { threadId: T, turnId: U, item: agent('a', 'thinking out loud', 'commentary') }),
      n('item/completed', { threadId: T, turnId: U, item: agent('b', 'the answer', 'final_answer') }),
      n('item/completed', { threadId: T, turnId: U, item: agent('c', 'a postscript') }),
      n('thread/tokenUsage/updated', { threadId: T, turnId: U, tokenUsage: { last: { totalTokens: 3 }, total: { totalTokens: 9 } } }),
      n('turn/completed', { threadId: T, turn: turn('completed') }),
    ];
    const state = events.reduce(reduceTurn, initialTurnState(T, U));
    expect(state.completed).toBe(true);
    expect(state.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    const result = toTurnResult(state);
    expect(result).toMatchObject({ id: U, threadId: T, status: 'completed', finalResponse: 'the answer', durationMs: 5 });
    expect(result.usage).toEqual({ last: { totalTokens: 3 }, total: { totalTokens: 9 } });
  });

  it('returns the same state object for events that change nothing', () => {
    const state = initialTurnState(T, U);
    expect(reduceTurn(state, n('item/agentMessage/delta', { threadId: T, turnId: U, itemId: 'a', delta: 'x' }))).toBe(state);
    expect(reduceTurn(state, n('item/completed', { threadId: T, turnId: 'other', item: agent('z', 'no') }))).toBe(state);
    expect(reduceTurn(state, n('thread/status/changed', { threadId: T, status: { type: 'idle' } }))).toBe(state);
  });

  it('ignores retryable errors and keeps the error that ended the turn', () => {
    const failure = { message: 'boom', codexErrorInfo: 'internalServerError' };
    const state = [
      n('error', { threadId: T, turnId: U, willRetry: true, error: { message: 'retrying' } }),
      n('error', { threadId: T, turnId: U, willRetry: false, error: failure }),
      n('turn/completed', { threadId: T, turn: turn('failed', failure) }),
    ].reduce(reduceTurn, initialTurnState(T, U));
    expect(toTurnResult(state)).toMatchObject({ status: 'failed', error: failure });
  });

  it('replaces an item completed twice instead of duplicating it', () => {
    const state = [
      n('item/completed', { threadId: T, turnId: U, item: agent('a', 'draft') }),
      n('item/completed', { threadId: T, turnId: U, item: agent('a', 'final') }),
    ].reduce(reduceTurn, initialTurnState(T, U));
    expect(state.items).toEqual([agent('a', 'final')]);
  });

  it('stops changing once the turn has completed', () => {
    const done = reduceTurn(initialTurnState(T, U), n('turn/completed', { threadId: T, turn: turn('completed') }));
    expect(reduceTurn(done, n('item/completed', { threadId: T, turnId: U, item: agent('late', 'x') }))).toBe(done);
  });
});

describe('reduceTurn and a review’s two ids', () => {
  it('takes a turn/started that names the turn as its root (a review) once, on its own thread', () => {
    const started = (id: string, threadId = 't') => ({ method: 'turn/started', params: { threadId, turn: { id, rootTurnId: 'R', status: 'inProgress', items: [] } } }) as Notification;
    const initial = initialTurnState('t', 'R');
    expect(reduceTurn(initial, started('S', 'other-thread'))).toBe(initial);
    const state = reduceTurn(initial, started('S'));
    expect(state.turn?.id).toBe('S');
    expect(reduceTurn(state, started('X'))).toBe(state);
    expect(toTurnResult(state).id).toBe('R');
  });
});

describe('turnIdOf and finalResponseOf', () => {
  it('reads turnId, else turn.id', () => {
    expect(turnIdOf({ params: { turnId: 'a' } })).toBe('a');
    expect(turnIdOf({ params: { turn: { id: 'b' } } })).toBe('b');
    expect(turnIdOf({ params: { threadId: 't' } })).toBeUndefined();
    expect(turnIdOf({ params: null })).toBeUndefined();
    expect(turnIdOf({})).toBeUndefined();
  });

  it('prefers the last final_answer, else the last agent message, else null', () => {
    expect(finalResponseOf([agent('a', 'final', 'final_answer'), agent('b', 'after', 'commentary')])).toBe('final');
    expect(finalResponseOf([agent('a', 'one'), agent('b', 'two')])).toBe('two');
    expect(finalResponseOf([])).toBeNull();
  });
});
