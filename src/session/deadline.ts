import { AbortError, TurnTimeoutError } from '../errors.js';

/** A deadline as a `performance.now()` time, and the `timeoutMs` it came from. */
export interface Deadline {
  readonly at: number;
  readonly timeoutMs: number;
}

/** The deadline `timeoutMs` from now, or undefined without one. */
export function deadlineIn(timeoutMs: number | undefined): Deadline | undefined {
  return timeoutMs === undefined ? undefined : { at: performance.now() + timeoutMs, timeoutMs };
}

/**
 * Settles like `work`, or rejects at the turn's deadline (`TurnTimeoutError`) or when `signal`
 * fires (`AbortError`). `work` gets a signal that fires in both cases, so it can stop waiting.
 */
export async function withDeadline<T>(
  work: (stop: AbortSignal | undefined) => Promise<T>,
  deadline: Deadline | undefined,
  signal: AbortSignal | undefined,
  what = 'turn()',
): Promise<T> {
  if (deadline === undefined && signal === undefined) return work(undefined);
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      new Promise<never>((_, reject) => {
        if (deadline !== undefined && Number.isFinite(deadline.at)) {
          const expire = (): void => reject(new TurnTimeoutError('deadline', deadline.timeoutMs, undefined));
          timer = setTimeout(expire, Math.max(0, deadline.at - performance.now()));
        }
        if (signal !== undefined) {
          onAbort = () => reject(new AbortError(what, signal.reason));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
      work(stop.signal),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    // Whatever settled first, the work's own waits (a tracker's idle waiter) are released.
    stop.abort();
  }
}
