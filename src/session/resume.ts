import { InvalidRequestError, ThreadNotResumableError } from '../errors.js';

/**
 * The server answers `thread/resume` of a thread it has loaded but not yet stored (no turn yet,
 * typically one another client just started) with the same "no rollout found" as for an unknown
 * id. Told apart by asking which threads are loaded; returns the error to throw.
 */
export async function explainResumeFailure(
  error: unknown,
  threadId: string,
  request: (method: 'thread/loaded/list', params: object) => Promise<unknown>,
): Promise<unknown> {
  if (!(error instanceof InvalidRequestError) || !/no rollout found/i.test(error.message)) return error;
  try {
    const loaded = (await request('thread/loaded/list', {})) as { data?: unknown };
    if (Array.isArray(loaded.data) && loaded.data.includes(threadId)) return new ThreadNotResumableError(threadId, error);
  } catch {
    // The server's own answer is still the best explanation there is.
  }
  return error;
}
