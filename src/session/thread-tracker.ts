import { AbortError, type TransportClosedError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { ThreadGoal, Turn } from '../generated/protocol.js';
import { Broadcast, type AsyncStream } from './broadcast.js';
import type { TurnHandle } from './turn.js';

// One model of a thread's turns, whoever started them. The server starts turns too: compaction,
// review, goal continuations, resuming a thread whose goal is active, other clients on the same
// server. Any of them running makes the next `turn/start` fail (ActiveTurnNotSteerable) or fold
// into it, so the tracker follows the server's own events (`turn/started`, `turn/completed`,
// `thread/status/changed`) and `turn()` waits for it to be idle, not just for this client's turns.

/** While the tracker cannot tell whether a turn runs, how long it waits for the server's word before it asks. */
const CONFIRM_AFTER_MS = 1_000;
/** Ids of turns that completed recently: a late `turn/start` answer naming one must not mark the thread busy. */
const RECENT_COMPLETIONS = 16;

/** Something that follows every notification of one thread (a goal's handle), after the tracker. */
export interface ThreadWatcher {
  notify(notification: Notification): void;
  close(error: Error): void;
}

/** What a tracker needs from its client. */
export interface TrackerHooks {
  /** Creates (and routes to) the handle of a turn this client did not start. */
  adopt(threadId: string, turnId: string): TurnHandle;
  /** True when this client already routes the turn to a handle. */
  isRouted(turnId: string): boolean;
  /** The thread's status as the server reports it now (`thread/read`). */
  readStatus(threadId: string): Promise<'idle' | 'active' | 'notLoaded'>;
}

/**
 * The turns of one loaded thread, as the server reports them. Knows whether a turn runs (and
 * which, by the id `turn/started` gave), keeps the line of this client's `turn()` calls, and
 * hands turns started elsewhere to the application as `TurnHandle`s.
 */
export class ThreadTracker {
  readonly threadId: string;
  readonly #hooks: TrackerHooks;
  #busy = false;
  /** The running turn's id as `turn/started` gave it (for a review, not the id its items carry). */
  #runningTurnId: string | undefined;
  /** The `turn/started` of the running turn, replayed to a handle created after it arrived. */
  #runningStarted: Notification | undefined;
  /** A turn may run but the server has not said so (a `turn/start` went unanswered, an interrupt was ignored, ...). */
  #uncertain = false;
  #confirmTimer: NodeJS.Timeout | undefined;
  #confirming = false;
  /** This client's `turn/start` requests in flight on the thread. */
  #ownStarts = 0;
  /** Turns that started while an own `turn/start` was in flight: ours or not, its answer tells. */
  #unclaimed: Notification[] = [];
  readonly #recentlyCompleted: string[] = [];
  readonly #idleWaiters = new Set<() => void>();
  /** Callers waiting for the next turn the server starts on the thread (`compact()`). */
  readonly #claims: Claim[] = [];
  readonly #foreign = new Set<Broadcast<TurnHandle>>();
  #queue: Promise<void> = Promise.resolve();
  #closedError: Error | undefined;
  /** The thread's goal as last reported (`thread/goal/updated` is a whole snapshot); undefined: not known. */
  #goal: ThreadGoal | null | undefined;
  /**
   * The server is about to start a turn by itself (an active goal continues after each turn, and
   * when it is set or its thread resumed): busy until it starts, the goal stops, or `thread/read`
   * says idle.
   */
  #expectingTurn = false;
  /** The turn id of an item that started while no turn ran: a review's items come before its `turn/started`. */
  #itemsBeforeStart: string | undefined;
  readonly #watchers = new Set<ThreadWatcher>();

  constructor(threadId: string, hooks: TrackerHooks) {
    this.threadId = threadId;
    this.#hooks = hooks;
  }

  /** True while a turn runs on the thread, or may run (see `uncertain`). */
  get busy(): boolean {
    return this.#busy || this.#runningTurnId !== undefined || this.#uncertain || this.#expectingTurn || this.#ownStarts > 0;
  }

  /** The thread's goal as the server last reported it: null when it has none, undefined when not known yet. */
  get goal(): ThreadGoal | null | undefined {
    return this.#goal;
  }

  /** Records a goal the server answered with (`thread/goal/get`, `thread/goal/set`). */
  setGoal(goal: ThreadGoal | null): void {
    this.#goal = goal;
  }

  /**
   * The server may start a turn by itself now (a goal was set, or its thread resumed): the thread
   * is busy until that turn starts, the goal snapshot says none is coming, or the server says
   * idle. Returns the function that withdraws the expectation (the request failed).
   */
  expectServerTurn(): () => void {
    if (this.#closedError !== undefined) return () => undefined;
    this.#expectingTurn = true;
    if (this.#idleWaiters.size > 0 || this.#claims.length > 0) this.#scheduleConfirm();
    return () => {
      if (!this.#expectingTurn) return;
      this.#expectingTurn = false;
      this.#wake();
    };
  }

  /** Follows every notification of the thread from now on; returns the function that stops it. */
  watch(watcher: ThreadWatcher): () => void {
    if (this.#closedError !== undefined) {
      watcher.close(this.#closedError);
      return () => undefined;
    }
    this.#watchers.add(watcher);
    return () => void this.#watchers.delete(watcher);
  }

  /** True while something watches the thread's notifications. */
  get watched(): boolean {
    return this.#watchers.size > 0;
  }

  /**
   * The server says no turn runs on the thread now (after a reconnect, from `thread/read`):
   * whatever the tracker still expected from before the gap is over.
   */
  resyncIdle(): void {
    if (!this.busy || this.#ownStarts > 0 || this.#closedError !== undefined) return;
    // An active goal starts its next turn by itself, maybe right after the read: keep waiting for it.
    if (this.#goal?.status === 'active') return;
    this.#settleUncertainty();
    this.#expectingTurn = false;
    this.#becomeIdle();
  }

  /** Hands a notification of the thread that changes nothing here to the watchers. */
  notifyWatchers(notification: Notification): void {
    for (const watcher of [...this.#watchers]) watcher.notify(notification);
  }

  /** True while the tracker waits for the server's word on whether a turn runs. */
  get uncertain(): boolean {
    return this.#uncertain;
  }

  /** The id `turn/started` gave the running turn; undefined when idle or not yet known. */
  get runningTurnId(): string | undefined {
    return this.#runningTurnId;
  }

  /** Feeds one notification about this thread (whoever caused it). */
  observe(notification: Notification): void {
    switch (notification.method) {
      case 'thread/status/changed': {
        const type = notification.params.status.type;
        this.#settleUncertainty();
        if (type === 'active') this.#busy = true;
        // `idle` comes right before the running turn's `turn/completed`: that one ends the turn.
        else if (this.#runningTurnId === undefined) this.#becomeIdle();
        else this.#busy = false;
        break;
      }
      case 'turn/started': {
        this.#settleUncertainty();
        this.#expectingTurn = false;
        this.#busy = true;
        this.#runningTurnId = notification.params.turn.id;
        this.#runningStarted = notification;
        if (this.#hooks.isRouted(this.#handleIdOf(notification) ?? notification.params.turn.id)) break;
        if (this.#ownStarts > 0) this.#unclaimed.push(notification);
        else this.#adopt(notification);
        break;
      }
      case 'turn/completed': {
        const { turn } = notification.params;
        this.#remember(turn.id);
        this.#settleUncertainty();
        // An active goal continues by itself after a turn that was not interrupted: the next
        // turn starts ~10 ms later, and a turn/start sent in between would collide with it.
        if (this.#goal?.status === 'active' && turn.status !== 'interrupted') this.#expectingTurn = true;
        this.#becomeIdle();
        if (this.#expectingTurn && this.#idleWaiters.size > 0) this.#scheduleConfirm();
        break;
      }
      case 'thread/goal/updated': {
        const { goal, turnId } = notification.params;
        this.#goal = goal;
        if (goal.status !== 'active') this.#noServerTurn();
        // Set (or resumed) on an idle thread, an active goal starts a turn at once.
        else if ((turnId ?? null) === null && this.#runningTurnId === undefined) this.#expectingTurn = true;
        break;
      }
      case 'thread/goal/cleared':
        this.#goal = null;
        this.#noServerTurn();
        break;
      case 'item/started':
        if (this.#runningTurnId === undefined) this.#itemsBeforeStart = notification.params.turnId;
        break;
      default:
    }
    this.notifyWatchers(notification);
  }

  /** The goal stopped: no turn follows the running one (if any). */
  #noServerTurn(): void {
    if (!this.#expectingTurn) return;
    this.#expectingTurn = false;
    this.#wake();
  }

  /**
   * Takes a place in the line of this client's turns on the thread. `previous` settles when the
   * call ahead may go on; call `release` once this call's turn is done (or was never started).
   */
  lineUp(): { previous: Promise<void>; release: () => void } {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    return { previous, release };
  }

  /** Resolves once no turn runs on the thread, as far as the server has said. */
  whenIdle(signal?: AbortSignal): Promise<void> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    if (!this.busy) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new AbortError('turn()', signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => done(new AbortError('turn()', signal?.reason));
      const done = (error?: Error): void => {
        this.#idleWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (this.#closedError !== undefined) done(this.#closedError);
        else if (!this.busy) done();
      };
      this.#idleWaiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#uncertain || this.#expectingTurn) this.#scheduleConfirm();
    });
  }

  /** Call right before sending this client's `turn/start` for the thread. */
  beginOwnStart(): void {
    this.#ownStarts++;
  }

  /**
   * This client's `turn/start` was answered with `turnId`. Returns the turn's `turn/started` if it
   * already arrived (a slow answer), for the new handle to begin with.
   */
  ownStartAnswered(turnId: string): Notification | undefined {
    this.#ownStarts--;
    if (!this.#recentlyCompleted.includes(turnId)) this.#busy = true;
    const ours = (n: Notification): boolean => turnIdOfStarted(n) === turnId || this.#handleIdOf(n) === turnId;
    const unclaimed = this.#unclaimed.filter((n) => !ours(n));
    if (this.#ownStarts === 0) this.#unclaimed = [];
    for (const started of unclaimed) if (turnIdOfStarted(started) === this.#runningTurnId) this.#adopt(started);
    this.#wake();
    return this.#runningStarted !== undefined && ours(this.#runningStarted) ? this.#runningStarted : undefined;
  }

  /**
   * This client's `turn/start` failed. When it may have reached the server (`maybeStarted`: it
   * timed out), a turn may be running: the thread is not idle until the server says so.
   */
  ownStartFailed(maybeStarted: boolean): void {
    this.#ownStarts--;
    if (this.#ownStarts === 0) {
      // Turns that started while it was in flight: ours (orphaned) or someone else's; either way, not routed.
      for (const started of this.#unclaimed) if (turnIdOfStarted(started) === this.#runningTurnId) this.#adopt(started);
      this.#unclaimed = [];
    }
    // A turn seen starting meanwhile is the orphan (or another's): its turn/completed ends it.
    if (maybeStarted && this.#runningTurnId === undefined) this.markUncertain();
    this.#wake();
  }

  /** A turn may be running although the server has not said so: wait for its word (or ask it). */
  markUncertain(): void {
    if (this.#closedError !== undefined) return;
    this.#uncertain = true;
    if (this.#idleWaiters.size > 0 || this.#claims.length > 0) this.#scheduleConfirm();
  }

  /**
   * Waits for the turn a request is about to make the server start (a compaction, a review).
   * Call before sending the request; then `sent()` once it is answered, or `failed()`. `handle`
   * resolves with the next turn the server starts on the thread that no `turn/start` of this
   * client claims, or with undefined if the server says the thread is idle and none started.
   */
  expectTurn(): { readonly handle: Promise<TurnHandle | undefined>; sent(): void; failed(): void } {
    let resolve!: (handle: TurnHandle | undefined) => void;
    const handle = new Promise<TurnHandle | undefined>((r) => (resolve = r));
    const claim: Claim = { settled: false, resolve: (h) => ((claim.settled = true), resolve(h)) };
    if (this.#closedError !== undefined) claim.resolve(undefined);
    else this.#claims.push(claim);
    return {
      handle,
      // Answered before its turn started (the usual order): a turn is coming, the thread is not idle.
      sent: () => void (claim.settled || this.markUncertain()),
      failed: () => {
        const at = this.#claims.indexOf(claim);
        if (at !== -1) this.#claims.splice(at, 1);
        if (!claim.settled) claim.resolve(undefined);
      },
    };
  }

  /**
   * Turns on this thread that this client did not start with `turn()` (server-started turns such
   * as compaction, review and goal continuations, and other clients' turns), from now on, as
   * they start. Ends when the client closes; `break` stops listening.
   */
  turns(): AsyncStream<TurnHandle> {
    const broadcast = new Broadcast<TurnHandle>();
    if (this.#closedError !== undefined) broadcast.end();
    else this.#foreign.add(broadcast);
    return broadcast.subscribe(() => this.#foreign.delete(broadcast));
  }

  /** The client closed or the thread is gone: waiters reject with `error`, `turns()` iterators end. */
  close(error: TransportClosedError | Error): void {
    if (this.#closedError !== undefined) return;
    this.#closedError = error;
    clearTimeout(this.#confirmTimer);
    for (const claim of this.#claims.splice(0)) claim.resolve(undefined);
    for (const broadcast of this.#foreign) broadcast.end();
    this.#foreign.clear();
    for (const watcher of [...this.#watchers]) watcher.close(error);
    this.#watchers.clear();
    this.#wake();
  }

  /** True once nothing refers to this tracker but the registry: idle, no waiters, no listeners. */
  get disposable(): boolean {
    return !this.busy && this.#idleWaiters.size === 0 && this.#claims.length === 0 && this.#foreign.size === 0 && this.#watchers.size === 0;
  }

  #adopt(started: Notification): void {
    const turnId = this.#handleIdOf(started);
    if (turnId === undefined || this.#hooks.isRouted(turnId)) return;
    const handle = this.#hooks.adopt(this.threadId, turnId);
    handle.deliver(started);
    this.#claims.shift()?.resolve(handle);
    for (const broadcast of this.#foreign) broadcast.push(handle);
  }

  /**
   * The id a started turn's handle goes by. A review's `turn/started` carries a second id; its
   * items (which come before it) and its `turn/completed` use the `review/start` id, which
   * `turn/started` names as `rootTurnId`. Other turns keep their own id.
   */
  #handleIdOf(notification: Notification): string | undefined {
    if (notification.method !== 'turn/started') return undefined;
    const { id, rootTurnId } = notification.params.turn as Turn;
    return typeof rootTurnId === 'string' && rootTurnId !== id && rootTurnId === this.#itemsBeforeStart ? rootTurnId : id;
  }

  #becomeIdle(): void {
    this.#itemsBeforeStart = undefined;
    this.#busy = false;
    if (this.#closedError !== undefined) this.#expectingTurn = false;
    this.#runningTurnId = undefined;
    this.#runningStarted = undefined;
    this.#wake();
  }

  #settleUncertainty(): void {
    this.#uncertain = false;
    clearTimeout(this.#confirmTimer);
    this.#confirmTimer = undefined;
  }

  #remember(turnId: string): void {
    this.#recentlyCompleted.push(turnId);
    if (this.#recentlyCompleted.length > RECENT_COMPLETIONS) this.#recentlyCompleted.shift();
  }

  #wake(): void {
    for (const check of [...this.#idleWaiters]) check();
  }

  /** No word from the server for a while: ask it (`thread/read`), and keep asking while it says nothing. */
  #scheduleConfirm(): void {
    if (this.#confirmTimer !== undefined || this.#confirming || this.#closedError !== undefined) return;
    this.#confirmTimer = setTimeout(() => {
      this.#confirmTimer = undefined;
      if (!this.#uncertain && !this.#expectingTurn) return;
      this.#confirming = true;
      this.#hooks.readStatus(this.threadId).then(
        (status) => {
          this.#confirming = false;
          if (!this.#uncertain && !this.#expectingTurn) return;
          if (status === 'active') {
            // Running: its turn/completed (or status change) will tell when it ends.
            this.#settleUncertainty();
            this.#expectingTurn = false;
            this.#busy = true;
          } else {
            this.#settleUncertainty();
            this.#expectingTurn = false;
            // The server says idle and started nothing: no turn is coming for a claim either.
            for (const claim of this.#claims.splice(0)) claim.resolve(undefined);
            this.#becomeIdle();
          }
        },
        () => {
          this.#confirming = false;
          if ((this.#uncertain || this.#expectingTurn) && (this.#idleWaiters.size > 0 || this.#claims.length > 0)) this.#scheduleConfirm();
        },
      );
    }, CONFIRM_AFTER_MS);
    // Waiting for the server's word is no reason to keep the process alive.
    this.#confirmTimer.unref();
  }
}

interface Claim {
  settled: boolean;
  resolve(handle: TurnHandle | undefined): void;
}

function turnIdOfStarted(notification: Notification): string | undefined {
  return notification.method === 'turn/started' ? (notification.params.turn as Turn).id : undefined;
}



/** One tracker per thread id, created on first use, dropped when the thread is gone. */
export class ThreadTrackers {
  readonly #trackers = new Map<string, ThreadTracker>();
  readonly #hooks: TrackerHooks;
  #closedError: Error | undefined;

  constructor(hooks: TrackerHooks) {
    this.#hooks = hooks;
  }

  get(threadId: string): ThreadTracker {
    let tracker = this.#trackers.get(threadId);
    if (tracker === undefined) {
      tracker = new ThreadTracker(threadId, this.#hooks);
      if (this.#closedError !== undefined) tracker.close(this.#closedError);
      else this.#trackers.set(threadId, tracker);
    }
    return tracker;
  }

  /** Feeds a notification to its thread's tracker (creating it: another client's thread has turns too). */
  observe(notification: Notification): void {
    const threadId = (notification.params as { threadId?: unknown } | undefined)?.threadId;
    if (typeof threadId !== 'string') return;
    switch (notification.method) {
      case 'thread/status/changed':
      case 'turn/started':
      case 'turn/completed':
      case 'thread/goal/updated':
      case 'thread/goal/cleared':
      case 'item/started':
        this.get(threadId).observe(notification);
        break;
      default: {
        const tracker = this.#trackers.get(threadId);
        if (tracker?.watched) tracker.notifyWatchers(notification);
      }
    }
  }

  /** The thread was unloaded, closed or archived: its tracker is dropped once nothing waits on it. */
  forget(threadId: string): void {
    const tracker = this.#trackers.get(threadId);
    if (tracker?.disposable) this.#trackers.delete(threadId);
  }

  /**
   * The thread is lost to this client (it could not be resumed after a reconnect): whatever
   * waits on it rejects with `error`, and a later use starts from a fresh tracker.
   */
  drop(threadId: string, error: Error): void {
    this.#trackers.get(threadId)?.close(error);
    this.#trackers.delete(threadId);
  }

  /** How many threads are tracked (for leak checks). */
  get size(): number {
    return this.#trackers.size;
  }

  closeAll(error: Error): void {
    this.#closedError = error;
    for (const tracker of this.#trackers.values()) tracker.close(error);
    this.#trackers.clear();
  }
}
