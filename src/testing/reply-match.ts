/**
 * Which model requests a reply may answer, for `ScriptedModel.enqueueFor`: replies meant for one
 * thread or one prompt, so that concurrent threads get their own answers whatever order their
 * requests arrive in.
 */
import type { RecordedRequest } from './recorded-request.js';

/**
 * Conditions on a model request; every one given must hold. Give at least one.
 *
 * ```ts
 * model.enqueueFor({ threadId: thread.id }, reply.message('for this thread only'));
 * model.enqueueFor({ prompt: /deploy/ }, reply.shell('make deploy'), reply.message('Deployed.'));
 * ```
 */
export interface ReplyMatch {
  /** The request belongs to this thread (see `RecordedRequest.threadId`). */
  readonly threadId?: string | undefined;
  /**
   * The turn's prompt, i.e. the request's last user message (`RecordedRequest.lastUserText`):
   * a string matches when the text contains it, a RegExp when it matches. Every request of a
   * turn carries the same prompt, the follow-ups after a tool call included.
   */
  readonly prompt?: string | RegExp | undefined;
  /** Any other condition on the request. One that throws counts as not matching. */
  readonly where?: ((request: RecordedRequest) => boolean) | undefined;
}

/** A compiled {@link ReplyMatch}: the test, and a description for error messages. */
export interface CompiledMatch {
  readonly test: (request: RecordedRequest) => boolean;
  readonly description: string;
}

/**
 * Checks a {@link ReplyMatch} and turns it into one predicate.
 *
 * @throws TypeError when `match` is not an object with at least one valid condition.
 */
export function compileMatch(match: ReplyMatch): CompiledMatch {
  if (typeof match !== 'object' || match === null) {
    throw new TypeError('enqueueFor: match must be an object such as { threadId } or { prompt }');
  }
  const { threadId, prompt, where } = match;
  const tests: ((request: RecordedRequest) => boolean)[] = [];
  const parts: string[] = [];
  if (threadId !== undefined) {
    if (typeof threadId !== 'string' || threadId.length === 0) throw new TypeError('enqueueFor: match.threadId must be a non-empty string');
    tests.push((request) => request.threadId === threadId);
    parts.push(`thread ${threadId}`);
  }
  if (prompt !== undefined) {
    if (typeof prompt === 'string') {
      tests.push((request) => request.lastUserText?.includes(prompt) === true);
      parts.push(`prompt containing ${JSON.stringify(prompt)}`);
    } else if (prompt instanceof RegExp) {
      // A fresh copy per test: a /g or /y RegExp would otherwise carry lastIndex between requests.
      tests.push((request) => new RegExp(prompt.source, prompt.flags).test(request.lastUserText ?? ''));
      parts.push(`prompt matching ${String(prompt)}`);
    } else {
      throw new TypeError('enqueueFor: match.prompt must be a string or a RegExp');
    }
  }
  if (where !== undefined) {
    if (typeof where !== 'function') throw new TypeError('enqueueFor: match.where must be a function');
    tests.push((request) => {
      try {
        return where(request) === true;
      } catch {
        return false;
      }
    });
    parts.push('a custom condition');
  }
  if (tests.length === 0) throw new TypeError('enqueueFor: match needs at least one of threadId, prompt or where');
  return { test: (request) => tests.every((test) => test(request)), description: parts.join(' and ') };
}
