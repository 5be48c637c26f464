import { InvalidArgumentError } from '../errors.js';

// Checks of what callers pass to the public API, so a wrong argument fails at once with an
// `InvalidArgumentError` naming it, instead of a TypeError deep inside, a request sent with
// garbage, or a call left without its deadline.

/** `value` must be an object (not null, not an array) when given. */
export function checkObject(value: unknown, argument: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidArgumentError(argument, `must be an object, got ${describe(value)}`);
  }
}

/** `value` must be an AbortSignal (anything with `aborted` and the listener methods) when given. */
export function checkSignal(value: unknown, argument = 'signal'): void {
  if (value === undefined) return;
  const signal = value as Partial<AbortSignal> | null;
  if (
    typeof signal !== 'object' ||
    signal === null ||
    typeof signal.aborted !== 'boolean' ||
    typeof signal.addEventListener !== 'function' ||
    typeof signal.removeEventListener !== 'function'
  ) {
    throw new InvalidArgumentError(argument, `must be an AbortSignal, got ${describe(value)}`);
  }
}

/** A deadline in ms: a positive number (`Infinity` waits for ever) when given. */
export function checkTimeout(value: unknown, argument = 'timeoutMs'): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0)) {
    throw new InvalidArgumentError(argument, `must be a positive number of milliseconds, got ${describe(value)}`);
  }
}

/** Server-request handlers: an object whose members are functions. */
export function checkHandlers(value: unknown, argument = 'onServerRequest'): void {
  checkObject(value, argument);
  if (value === undefined) return;
  for (const [method, handler] of Object.entries(value as object)) {
    if (handler !== undefined && typeof handler !== 'function') {
      throw new InvalidArgumentError(`${argument}[${JSON.stringify(method)}]`, `must be a function, got ${describe(handler)}`);
    }
  }
}

/** The signal, deadline and handlers every session option bag may carry. */
export function checkSessionOptions(options: unknown): void {
  checkObject(options, 'options');
  if (options === undefined) return;
  const { signal, timeoutMs, onServerRequest } = options as { signal?: unknown; timeoutMs?: unknown; onServerRequest?: unknown };
  checkSignal(signal);
  checkTimeout(timeoutMs);
  checkHandlers(onServerRequest);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // Strings are not quoted: a misplaced argument may be a secret.
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value === 'object' ? 'an object of another kind' : typeof value;
}
