import type { ProtocolError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import { redactPieces } from '../transport/stderr-tail.js';

/** How many causes deep `redactCause` goes; deeper ones are dropped (a cycle, or a hostile chain). */
const MAX_CAUSE_DEPTH = 8;

/**
 * The error with every secret, and every piece of one, taken out of what it says: its message,
 * line start, and each cause down the chain (a handler may throw anything, wrapping anything).
 */
export function redactProtocolError(error: ProtocolError, secrets: readonly string[]): ProtocolError {
  if (secrets.length === 0) return error;
  const clean = (text: string): string => redactPieces(text, secrets);
  return error.redacted(clean, (cause) => redactCause(cause, clean, 0));
}

/**
 * A cause with secrets taken out: itself when it holds none. An `Error` that holds one becomes a
 * plain copy (name, message, `code` and its cleaned cause; other members are dropped, a stack
 * would quote them again); a string is cleaned; any other object that holds one becomes its
 * cleaned JSON, and one that cannot be checked (a cycle) a note saying so.
 */
export function redactCause(cause: unknown, clean: (text: string) => string, depth: number): unknown {
  if (depth >= MAX_CAUSE_DEPTH) return '[causes nested too deeply to check for secrets]';
  if (typeof cause === 'string') return clean(cause);
  if (cause instanceof Error) {
    const message = clean(cause.message);
    const inner = cause.cause === undefined ? undefined : redactCause(cause.cause, clean, depth + 1);
    const members = jsonOf({ ...cause });
    const stack = cause.stack ?? '';
    if (message === cause.message && inner === cause.cause && clean(stack) === stack && members !== undefined && clean(members) === members) {
      return cause;
    }
    const copy = new Error(message, inner === undefined ? undefined : { cause: inner });
    copy.name = cause.name;
    copy.stack = `${cause.name}: ${message}`;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code: clean(String(code)) });
    return copy;
  }
  if (typeof cause === 'object' && cause !== null) {
    const text = jsonOf(cause);
    if (text === undefined) return '[a cause that could not be checked for secrets]';
    const cleaned = clean(text);
    return cleaned === text ? cause : cleaned.slice(0, MAX_CAUSE_CHARS);
  }
  return cause;
}

/** How much of a cleaned non-Error cause is kept. */
const MAX_CAUSE_CHARS = 2_000;

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return undefined;
  }
}

/**
 * Takes secrets out of the server text that notifications carry into errors, in place: the turn
 * error of `error` and `turn/completed` (a provider may quote the key it was sent, and codex
 * passes that on), and a failed login's `error` (which `LoginFailedError` quotes).
 */
export function redactTurnError(notification: Notification, secrets: readonly string[]): void {
  if (secrets.length === 0) return;
  const params = notification.params as { error?: unknown; turn?: { error?: unknown } | undefined } | null;
  if (notification.method === 'account/login/completed') {
    const login = params as { error?: unknown } | null;
    if (typeof login?.error === 'string') login.error = redactPieces(login.error, secrets);
    return;
  }
  if (notification.method !== 'error' && notification.method !== 'turn/completed') return;
  const error = (notification.method === 'error' ? params?.error : params?.turn?.error) as Record<string, unknown> | null | undefined;
  if (typeof error !== 'object' || error === null) return;
  for (const key of ['message', 'additionalDetails']) {
    if (typeof error[key] === 'string') error[key] = redactPieces(error[key], secrets);
  }
}
