import type { Notification } from '../generated/methods.js';
import type { ThreadItem, ThreadTokenUsage, Turn, TurnError, TurnStatus } from '../generated/protocol.js';

/**
 * What is known of one turn so far. Built only by `reduceTurn`, one notification at a time,
 * so a UI can fold the same stream it renders and show the same result `run()` returns.
 */
export interface TurnState {
  readonly threadId: string;
  readonly turnId: string;
  readonly status: TurnStatus;
  /** The turn as `turn/started` or, at the end, `turn/completed` described it. */
  readonly turn: Turn | undefined;
  /** Completed items in completion order (`turn/completed` carries only a summary). */
  readonly items: readonly ThreadItem[];
  /** The last token usage reported for this turn. */
  readonly usage: ThreadTokenUsage | null;
  /** The last error that ended the turn; errors with `willRetry: true` are progress, not failure. */
  readonly error: TurnError | null;
  readonly completed: boolean;
}

/** The outcome of a turn: the protocol's `Turn` with its items rebuilt in order. */
export interface TurnResult<Parsed = unknown> extends Omit<Turn, 'items' | 'itemsView'> {
  readonly threadId: string;
  readonly items: readonly ThreadItem[];
  /** Text of the last agent message marked as the final answer, else of the last agent message. */
  readonly finalResponse: string | null;
  readonly usage: ThreadTokenUsage | null;
  /** With `outputSchema`: `finalResponse` parsed as JSON. */
  readonly parsed?: Parsed | undefined;
}

export function initialTurnState(threadId: string, turnId: string): TurnState {
  return { threadId, turnId, status: 'inProgress', turn: undefined, items: [], usage: null, error: null, completed: false };
}

/** The turn a notification belongs to: `params.turnId`, else `params.turn.id`. */
export function turnIdOf(notification: { readonly params?: unknown }): string | undefined {
  const params = notification.params as { turnId?: unknown; turn?: { id?: unknown } | undefined } | null | undefined;
  if (params === null || typeof params !== 'object') return undefined;
  if (typeof params.turnId === 'string') return params.turnId;
  const id = params.turn?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Folds one notification into a turn's state. Pure: returns `state` itself when nothing
 * changed (deltas, other turns' events), a new object otherwise.
 */
export function reduceTurn(state: TurnState, notification: Notification): TurnState {
  if (state.completed) return state;
  switch (notification.method) {
    case 'turn/started':
    case 'item/completed':
    case 'thread/tokenUsage/updated':
    case 'error':
    case 'turn/completed':
      // The method is checked before the turn id: deltas, nearly every notification of a
      // turn, change nothing, and this way they skip the turn-id lookup on the hot path.
      return turnIdOf(notification) === state.turnId || startsUnderRoot(notification, state) ? fold(state, notification) : state;
    default:
      return state;
  }
}

/**
 * A review's `turn/started` carries a second id; its items and `turn/completed` use the review's
 * own id, which `turn/started` names as `rootTurnId`.
 */
function startsUnderRoot(notification: Notification, state: TurnState): boolean {
  return (
    notification.method === 'turn/started' &&
    state.turn === undefined &&
    notification.params.threadId === state.threadId &&
    notification.params.turn.rootTurnId === state.turnId
  );
}

/** The change one notification of this turn makes (the methods `reduceTurn` folds). */
function fold(state: TurnState, notification: Notification): TurnState {
  switch (notification.method) {
    case 'turn/started':
      return { ...state, turn: notification.params.turn, status: notification.params.turn.status };
    case 'item/completed': {
      const item = notification.params.item;
      // Fail now on a malformed item rather than keep it and fail later, when the result is read.
      if (typeof item !== 'object' || item === null) throw new TypeError(`item/completed carries no item (got ${String(item)})`);
      const existing = state.items.findIndex((candidate) => candidate.id === item.id);
      const items = existing === -1 ? [...state.items, item] : state.items.map((old, i) => (i === existing ? item : old));
      return { ...state, items };
    }
    case 'thread/tokenUsage/updated':
      return { ...state, usage: notification.params.tokenUsage };
    case 'error':
      return notification.params.willRetry ? state : { ...state, error: notification.params.error };
    case 'turn/completed': {
      const turn = notification.params.turn;
      return { ...state, turn, status: turn.status, error: turn.error ?? state.error, completed: true };
    }
    default:
      return state;
  }
}

/** The `TurnResult` for a state (complete or not). */
export function toTurnResult(state: TurnState): TurnResult {
  const { items: _summary, itemsView: _view, ...turn } = state.turn ?? ({ id: state.turnId, items: [], status: state.status } as Turn);
  return {
    ...turn,
    id: state.turnId,
    threadId: state.threadId,
    status: state.status,
    error: state.status === 'failed' ? (turn.error ?? state.error) : (turn.error ?? null),
    items: state.items,
    finalResponse: finalResponseOf(state.items),
    usage: state.usage,
  };
}

/** The final answer's text: the last agent message in phase `final_answer`, else the last agent message. */
export function finalResponseOf(items: readonly ThreadItem[]): string | null {
  let last: string | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type !== 'agentMessage') continue;
    if (item.phase === 'final_answer') return item.text;
    last ??= item.text;
  }
  return last;
}
