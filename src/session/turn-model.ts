import type { Notification } from '../generated/methods.js';
import type { ThreadReadResponse } from '../generated/protocol.js';
import { toSteerInput } from './inputs.js';
import { ThreadTrackers } from './thread-tracker.js';
import { TurnHandle, type TurnControl } from './turn.js';
import { TurnRouter } from './turn-router.js';

/** Sends a request on the client's connection (with its default deadline). */
export type SendRequest = (method: string, params: unknown) => Promise<unknown>;

/**
 * The client's view of every thread's turns: the router (events to handles), one tracker per
 * thread (busy or idle, whoever started the turn), and the control turn handles use. Fed every
 * notification, in order; closed with the connection.
 */
export class TurnModel {
  readonly router = new TurnRouter();
  readonly trackers: ThreadTrackers;
  /** Threads this client started, resumed or forked and still holds: a reconnect resumes them. */
  readonly loadedThreads = new Set<string>();
  readonly control: TurnControl;

  constructor(send: SendRequest, onAbandoned: (threadId: string, turnId: string) => void) {
    this.control = {
      // The id `turn/started` gave the running turn when known: a review's differs from its items'.
      interrupt: async (threadId, turnId) => {
        await send('turn/interrupt', { threadId, turnId: this.trackers.get(threadId).runningTurnId ?? turnId });
      },
      steer: (threadId, turnId, input) =>
        send('turn/steer', { threadId, expectedTurnId: turnId, input: toSteerInput(input) }) as ReturnType<TurnControl['steer']>,
      abandoned: onAbandoned,
    };
    this.trackers = new ThreadTrackers({
      adopt: (threadId, turnId) => {
        const handle = new TurnHandle(threadId, turnId, this.control, false);
        this.router.adopt(handle);
        return handle;
      },
      isRouted: (turnId) => this.router.isRouted(turnId),
      readStatus: async (threadId) => {
        const { thread } = (await send('thread/read', { threadId, includeTurns: false })) as ThreadReadResponse;
        return thread.status.type === 'active' ? 'active' : thread.status.type === 'notLoaded' ? 'notLoaded' : 'idle';
      },
    });
  }

  /** One notification, in arrival order: trackers first (they adopt new turns), then routing. */
  observe(notification: Notification): void {
    this.trackers.observe(notification);
    this.router.route(notification);
    switch (notification.method) {
      case 'thread/closed':
      case 'thread/archived':
      case 'thread/deleted':
        this.#gone(notification.params.threadId);
        break;
      case 'thread/status/changed':
        if (notification.params.status.type === 'notLoaded') this.#gone(notification.params.threadId);
        break;
      default:
    }
  }

  /**
   * The thread was unloaded, closed, archived or deleted: its handlers can no longer fire for a
   * new request (a resume installs them again), and its tracker is dropped once idle.
   */
  #gone(threadId: string): void {
    this.loadedThreads.delete(threadId);
    this.router.setThreadHandlers(threadId, undefined);
    this.trackers.forget(threadId);
  }

  /** This client unsubscribed from the thread: no reconnect subscribes it again. */
  unsubscribed(threadId: string): void {
    this.loadedThreads.delete(threadId);
  }

  close(error: Parameters<TurnRouter['failAll']>[0]): void {
    this.router.failAll(error);
    this.trackers.closeAll(error);
  }
}
