import { AbortError, brand, CodexError } from '../errors.js';
import type { AccountLoginCompletedNotification, CancelLoginAccountResponse } from '../generated/protocol.js';

/** A login flow ended without success (`account/login/completed` with `success: false`). */
export class LoginFailedError extends CodexError {
  static {
    brand(this, 'LoginFailedError');
  }

  constructor(
    readonly loginId: string,
    readonly completion: AccountLoginCompletedNotification,
  ) {
    super(`Login ${loginId} did not succeed: ${completion.error ?? 'no reason given'}`);
  }
}

/** A browser or device-code login in progress. */
export interface LoginHandle {
  readonly loginId: string;
  /** Resolves when the login succeeds; rejects with `LoginFailedError` when it fails or is cancelled. */
  wait(options?: { readonly signal?: AbortSignal | undefined }): Promise<AccountLoginCompletedNotification>;
  /** Cancels the flow; `wait()` then rejects. */
  cancel(): Promise<CancelLoginAccountResponse>;
}

/** Completions that arrived before anyone waited for them, kept briefly. */
const MAX_EARLY_COMPLETIONS = 16;

interface Waiter {
  resolve(completion: AccountLoginCompletedNotification): void;
  reject(error: unknown): void;
}

/** Matches `account/login/completed` notifications to the login they finish, by login id. */
export class LoginRouter {
  readonly #waiting = new Map<string, Set<Waiter>>();
  readonly #early = new Map<string, AccountLoginCompletedNotification>();

  deliver(completion: AccountLoginCompletedNotification): void {
    const loginId = completion.loginId;
    if (typeof loginId !== 'string') return;
    const waiters = this.#waiting.get(loginId);
    if (waiters === undefined) {
      this.#early.set(loginId, completion);
      if (this.#early.size > MAX_EARLY_COMPLETIONS) this.#early.delete(this.#early.keys().next().value!);
      return;
    }
    this.#waiting.delete(loginId);
    for (const waiter of waiters) waiter.resolve(completion);
  }

  /** Resolves with the completion of `loginId`, which may already have arrived. */
  completion(loginId: string, signal?: AbortSignal): Promise<AccountLoginCompletedNotification> {
    const early = this.#early.get(loginId);
    if (early !== undefined) return Promise.resolve(early);
    if (signal?.aborted) return Promise.reject(new AbortError(`Waiting for login ${loginId}`, signal.reason));
    return new Promise((resolve, reject) => {
      let waiters = this.#waiting.get(loginId);
      if (waiters === undefined) this.#waiting.set(loginId, (waiters = new Set()));
      const onAbort = (): void => {
        waiters.delete(waiter);
        reject(new AbortError(`Waiting for login ${loginId}`, signal?.reason));
      };
      const waiter: Waiter = {
        resolve: (completion) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(completion);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The connection ended: nothing will complete any more. */
  failAll(error: Error): void {
    for (const waiters of this.#waiting.values()) for (const waiter of waiters) waiter.reject(error);
    this.#waiting.clear();
  }
}
