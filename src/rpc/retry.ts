import pRetry, { AbortError as StopRetrying } from 'p-retry';
import { AbortError, InvalidArgumentError, ServerBusyError } from '../errors.js';

export interface RetryOnOverloadOptions {
  /** Attempts in all, the first one included. Default 3. */
  readonly attempts?: number | undefined;
  /** Delay before the first retry, in ms; it doubles each time. Default 250. */
  readonly minDelayMs?: number | undefined;
  /** Upper bound of any delay, in ms. Default 2000. */
  readonly maxDelayMs?: number | undefined;
  /** Stops waiting and retrying; the call then rejects with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** Called before each retry with the overload error that caused it. */
  readonly onRetry?: ((error: ServerBusyError, attempt: number) => void) | undefined;
}

/**
 * Runs `fn`, retrying only when it throws `ServerBusyError` (the server's queue was full).
 * Delays grow from `minDelayMs`, doubling with jitter, up to `maxDelayMs`. Any other error is
 * rethrown at once, untouched; when the attempts run out, the last `ServerBusyError` is thrown.
 *
 * @example
 * const threads = await retryOnOverload(() => codex.request('thread/list', {}));
 */
export async function retryOnOverload<T>(fn: (attempt: number) => Promise<T>, options: RetryOnOverloadOptions = {}): Promise<T> {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError('fn', 'must be a function that makes the call, e.g. () => codex.request(...)');
  }
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const { attempts = 3, minDelayMs = 250, maxDelayMs = 2_000, signal, onRetry } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidArgumentError('retryOnOverload attempts', `must be a positive integer, got ${typeof attempts === 'number' ? attempts : typeof attempts}`);
  }
  for (const [name, value] of [['minDelayMs', minDelayMs], ['maxDelayMs', maxDelayMs]] as const) {
    if (typeof value !== 'number' || !(value >= 0)) throw new InvalidArgumentError(`retryOnOverload ${name}`, 'must be a number of milliseconds, 0 or more');
  }
  if (onRetry !== undefined && typeof onRetry !== 'function') throw new InvalidArgumentError('retryOnOverload onRetry', 'must be a function');
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof (signal as Partial<AbortSignal>).addEventListener === 'function')) {
    throw new InvalidArgumentError('retryOnOverload signal', 'must be an AbortSignal');
  }
  if (signal?.aborted) throw new AbortError('retryOnOverload', signal.reason);
  // p-retry would wrap non-Error throws and stop on TypeError; carry every other error out as is.
  let passThrough: { error: unknown } | undefined;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await fn(attempt);
        } catch (error) {
          if (error instanceof ServerBusyError) throw error;
          passThrough = { error };
          throw new StopRetrying('not an overload');
        }
      },
      {
        retries: attempts - 1,
        factor: 2,
        minTimeout: minDelayMs,
        maxTimeout: maxDelayMs,
        randomize: true,
        signal,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0 && error instanceof ServerBusyError) onRetry?.(error, attemptNumber);
        },
      },
    );
  } catch (error) {
    if (passThrough !== undefined) throw passThrough.error;
    // p-retry stops with the signal's reason: give the caller the SDK's AbortError instead.
    if (signal?.aborted) throw new AbortError('retryOnOverload', signal.reason);
    throw error;
  }
}
