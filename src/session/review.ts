import { AbortError, InvalidArgumentError, RequestTimeoutError } from '../errors.js';
import type { ReviewTarget, ThreadItem } from '../generated/protocol.js';
import { deadlineIn, withDeadline } from './deadline.js';
import type { TurnResult } from './reducer.js';
import type { ServerRequestHandlers } from './server-requests.js';
import type { ThreadSession } from './thread.js';
import type { ThreadTracker } from './thread-tracker.js';
import { TurnHandle } from './turn.js';
import type { TraceContext } from '../rpc/trace.js';
import { checkSessionOptions } from './validate.js';

// A review runs as a turn the server starts for `review/start`, with two ids: the answer's, which
// its items and `turn/completed` carry, and the one in `turn/started`, the only one
// `turn/interrupt` accepts. The handle goes by the first; the router maps `turn/started` to it
// and the tracker's running turn id (the second) is what interrupts use.

/** Options of `thread.review()`. */
export interface ReviewOptions {
  /** Aborts the wait for earlier turns; once the review runs, interrupts it (`run()` rejects with `AbortError`). */
  readonly signal?: AbortSignal | undefined;
  /** Deadline of the whole review in ms, from this call on: past it the review is interrupted (`TurnTimeoutError`). */
  readonly timeoutMs?: number | undefined;
  /** Handlers of the server requests the review's turn makes (command approvals of the git commands it runs). */
  readonly onServerRequest?: ServerRequestHandlers | undefined;
  /** W3C trace context sent with `review/start` (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null | undefined;
}

/** The outcome of a review turn. */
export interface ReviewResult<Parsed = unknown> extends TurnResult<Parsed> {
  /**
   * The review as the server rendered it (the `exitedReviewMode` item): the model's overall
   * explanation, then each finding. Null if the review ended without one.
   */
  readonly review: string | null;
}

/** The turn of a review: a `TurnHandle` whose `run()` resolves to a `ReviewResult`. */
export class ReviewHandle extends TurnHandle {
  override run<Parsed = unknown>(): Promise<ReviewResult<Parsed>> {
    return super.run<Parsed>().then((result) => ({ ...result, review: reviewOf(result.items) }));
  }
}

/** The rendered review of a review turn's items: the last `exitedReviewMode` item's text. */
export function reviewOf(items: readonly ThreadItem[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type === 'exitedReviewMode') return item.review;
  }
  return null;
}

const TARGET_FIELDS: Record<ReviewTarget['type'], string | undefined> = {
  uncommittedChanges: undefined,
  baseBranch: 'branch',
  commit: 'sha',
  custom: 'instructions',
};

function checkTarget(target: unknown): asserts target is ReviewTarget {
  const type = (target as { type?: unknown } | null)?.type;
  if (typeof target !== 'object' || target === null || typeof type !== 'string' || !Object.hasOwn(TARGET_FIELDS, type)) {
    throw new InvalidArgumentError('target', `must be { type: ${Object.keys(TARGET_FIELDS).map((t) => `'${t}'`).join(' | ')}, ... }`);
  }
  const field = TARGET_FIELDS[type as ReviewTarget['type']];
  if (field === undefined) return;
  const value = (target as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError(`target.${field}`, `a '${type}' review needs ${field} as a non-empty string`);
  }
}

/** `thread.review()`: waits for the thread to be idle, starts the review and returns its turn. */
export async function startReview(
  context: { readonly threadId: string; readonly session: ThreadSession; readonly tracker: ThreadTracker },
  target: ReviewTarget,
  options: ReviewOptions = {},
): Promise<ReviewHandle> {
  checkTarget(target);
  checkSessionOptions(options);
  const { signal } = options;
  if (signal?.aborted) throw new AbortError('review()', signal.reason);
  const { threadId, session, tracker } = context;
  const { defaults, router } = session;
  const deadline = deadlineIn(options.timeoutMs ?? defaults.turnTimeoutMs);
  const { previous, release } = tracker.lineUp();
  try {
    await withDeadline((stop) => previous.then(() => tracker.whenIdle(stop)), deadline, signal, 'review()');
  } catch (error) {
    void previous.then(release);
    throw error;
  }
  // As for turn/start: events can come before the answer is handled, and the tracker must not
  // take the review's turn for someone else's.
  const pending = router.beginStart(threadId, options.onServerRequest);
  tracker.beginOwnStart();
  let turnId: string;
  try {
    turnId = (await session.request('review/start', { threadId, target, delivery: 'inline' }, { trace: options.trace })).turn.id;
  } catch (error) {
    router.abandonStart(pending);
    tracker.ownStartFailed(error instanceof RequestTimeoutError);
    release();
    throw error;
  }
  const handle = new ReviewHandle(threadId, turnId, session.control, false);
  const startedEarlier = tracker.ownStartAnswered(turnId);
  router.completeStart(pending, handle);
  if (startedEarlier !== undefined && handle.state.turn === undefined) handle.deliver(startedEarlier);
  void handle.whenDone().then(release);
  handle.limit({ deadline, stallTimeoutMs: defaults.stallTimeoutMs, interruptGraceMs: defaults.interruptGraceMs });
  if (signal !== undefined) {
    const onAbort = (): void => handle.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void handle.whenDone().then(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
  }
  return handle;
}
