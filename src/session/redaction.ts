import type { ProtocolError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import { redact, redactPieces } from '../transport/stderr-tail.js';

/** The error with every secret, and every piece of one cut short, taken out of what it says. */
export function redactProtocolError(error: ProtocolError, secrets: readonly string[]): ProtocolError {
  return secrets.length === 0 ? error : error.redacted((text) => redactPieces(text, secrets));
}

/**
 * Takes secrets out of the turn error an `error` or `turn/completed` notification carries, in
 * place: a provider may quote the key it was sent in its error, and codex passes that on.
 */
export function redactTurnError(notification: Notification, secrets: readonly string[]): void {
  if (secrets.length === 0 || (notification.method !== 'error' && notification.method !== 'turn/completed')) return;
  const params = notification.params as { error?: unknown; turn?: { error?: unknown } } | null;
  const error = (notification.method === 'error' ? params?.error : params?.turn?.error) as Record<string, unknown> | null | undefined;
  if (typeof error !== 'object' || error === null) return;
  for (const key of ['message', 'additionalDetails']) {
    if (typeof error[key] === 'string') error[key] = redact(error[key], secrets);
  }
}
