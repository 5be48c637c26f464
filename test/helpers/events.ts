import type { Codex, Notification, Thread, TurnHandle } from '../../src/index.js';

/** Every notification of a turn (or any stream), in order, once it ends. */
export async function collect(stream: AsyncIterable<Notification>): Promise<Notification[]> {
  const seen: Notification[] = [];
  for await (const n of stream) seen.push(n);
  return seen;
}

/** The payload of the client's next `event`. */
export function once<T>(codex: Codex, event: 'disconnected' | 'reconnect' | 'close'): Promise<T> {
  return new Promise((resolve) => {
    const off = codex.on(event, (payload) => {
      off();
      resolve(payload as T);
    });
  });
}

/** The texts of the agent messages completed in `notifications`. */
export function agentMessages(notifications: readonly Notification[]): string[] {
  return notifications.flatMap((n) => (n.method === 'item/completed' && n.params.item.type === 'agentMessage' ? [n.params.item.text] : []));
}

/** Waits until the server stored `turnId` as ended, asking through `observer` (a second connection). */
export async function storedAsEnded(observer: Codex, threadId: string, turnId: string): Promise<void> {
  for (;;) {
    const { thread } = await observer.request('thread/read', { threadId, includeTurns: true });
    const turn = thread.turns.find((t) => t.id === turnId);
    if (turn !== undefined && turn.status !== 'inProgress') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first turn `thread.turns()` hands out (one started elsewhere), or undefined if the thread ends first. */
export async function firstTurnOf(thread: Thread): Promise<TurnHandle | undefined> {
  // turns() is called before the first await: no turn that starts after this call is missed.
  for await (const handle of thread.turns()) return handle;
  return undefined;
}
