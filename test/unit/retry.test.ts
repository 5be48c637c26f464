import { describe, expect, it } from 'vitest';
import { AbortError, InvalidRequestError, RetryLimitExceededError, ServerBusyError } from '../../src/errors.js';
import { retryOnOverload } from '../../src/rpc/retry.js';

const busy = (n: number) => new ServerBusyError(`Server overloaded; retry later. (${n})`, -32001, undefined, 'thread/list');
const fast = { minDelayMs: 1, maxDelayMs: 5 };

describe('retryOnOverload', () => {
  it('retries ServerBusyError and returns the first success', async () => {
    const attempts: number[] = [];
    const retried: number[] = [];
    const result = await retryOnOverload(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw busy(attempt);
        return 'ok';
      },
      { ...fast, onRetry: (_error, attempt) => retried.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(retried).toEqual([1, 2]);
  });

  it('makes 3 attempts by default and then throws the last ServerBusyError itself', async () => {
    const thrown: ServerBusyError[] = [];
    const error = await retryOnOverload(async (attempt) => {
      const e = busy(attempt);
      thrown.push(e);
      throw e;
    }, fast).catch((e: unknown) => e);
    expect(thrown).toHaveLength(3);
    expect(error).toBe(thrown[2]);
  });

  it('passes every other error through on the first throw, untouched', async () => {
    const original = new InvalidRequestError('thread not found: x', -32600, undefined, 'thread/read');
    let calls = 0;
    await expect(
      retryOnOverload(async () => {
        calls += 1;
        throw original;
      }, fast),
    ).rejects.toBe(original);
    expect(calls).toBe(1);
    const typeError = new TypeError('bug');
    await expect(retryOnOverload(async () => Promise.reject(typeError), fast)).rejects.toBe(typeError);
    await expect(retryOnOverload(async () => Promise.reject('a string'), fast)).rejects.toBe('a string');
  });

  it('treats RetryLimitExceededError as an overload, since it is one', async () => {
    let calls = 0;
    await retryOnOverload(async () => {
      calls += 1;
      if (calls === 1) throw new RetryLimitExceededError('retry limit', -32001, undefined, 'x');
    }, fast);
    expect(calls).toBe(2);
  });

  it('stops waiting when the signal aborts, with AbortError', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = retryOnOverload(
      async () => {
        calls += 1;
        setTimeout(() => controller.abort(new Error('shutdown')), 5);
        throw busy(calls);
      },
      { attempts: 5, minDelayMs: 10_000, maxDelayMs: 10_000, signal: controller.signal },
    );
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(1);
    const preAborted = AbortSignal.abort();
    await expect(retryOnOverload(async () => 1, { signal: preAborted })).rejects.toBeInstanceOf(AbortError);
  });

  it('waits with backoff between attempts', async () => {
    const times: number[] = [];
    await retryOnOverload(
      async (attempt) => {
        times.push(Date.now());
        if (attempt < 3) throw busy(attempt);
      },
      { minDelayMs: 20, maxDelayMs: 1_000 },
    );
    // First delay is 20-40 ms (jitter), the second 40-80 ms; only lower bounds are checked.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(18);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(38);
  });

  it('rejects a bad attempts count', async () => {
    await expect(retryOnOverload(async () => 1, { attempts: 0 })).rejects.toThrow(/attempts/);
  });
});
