import { InvalidArgumentError } from '../errors.js';
import { checkTrace } from '../rpc/trace.js';
import type { CodexOptions } from './codex.js';

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

/** A string (non-empty unless `allowEmpty`). */
export function checkString(value: unknown, argument: string, allowEmpty = false): void {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new InvalidArgumentError(argument, `must be a ${allowEmpty ? '' : 'non-empty '}string, got ${describe(value)}`);
  }
}

/** A boolean, when given. */
export function checkBoolean(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(argument, `must be true or false, got ${describe(value)}`);
}

/** A function. */
export function checkFunction(value: unknown, argument: string): void {
  if (typeof value !== 'function') throw new InvalidArgumentError(argument, `must be a function, got ${describe(value)}`);
}

/** An event name among `events`, and a listener function. */
export function checkListener(event: unknown, listener: unknown, events: readonly string[]): void {
  if (typeof event !== 'string' || !events.includes(event)) {
    throw new InvalidArgumentError('event', `must be one of ${events.join(', ')}, got ${typeof event === 'string' ? JSON.stringify(event.slice(0, 40)) : describe(event)}`);
  }
  checkFunction(listener, 'listener');
}

/** The signal, deadline and handlers every session option bag may carry. */
export function checkSessionOptions(options: unknown): void {
  checkObject(options, 'options');
  if (options === undefined) return;
  const { signal, timeoutMs, onServerRequest, trace } = options as { signal?: unknown; timeoutMs?: unknown; onServerRequest?: unknown; trace?: unknown };
  checkSignal(signal);
  checkTimeout(timeoutMs);
  checkHandlers(onServerRequest);
  checkTrace(trace);
}

/** The OS cannot pass a NUL in an argument or a variable: spawn() would throw a TypeError. */
const NUL_PROBLEM = 'must not contain a NUL character (\\0): no process can receive one';

/** Every option of `Codex.start()` that the SDK or the OS could not use. */
export function checkCodexOptions(options: CodexOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const positive = (name: keyof CodexOptions): void => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new InvalidArgumentError(name, `must be a positive number, got ${describe(value)}`);
    }
  };
  positive('requestTimeoutMs');
  positive('maxInFlightRequests');
  positive('maxMessageBytes');
  positive('serverRequestTimeoutMs');
  checkBoolean(options.experimentalApi, 'experimentalApi');
  positive('turnTimeoutMs');
  positive('stallTimeoutMs');
  positive('interruptGraceMs');
  positive('toolTimeoutMs');
  if (options.trace !== undefined && typeof options.trace !== 'function') throw new InvalidArgumentError('trace', 'must be a function returning a trace context or undefined');
  for (const name of ['codexPath', 'codexHome', 'cwd'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidArgumentError(name, 'must be a non-empty string');
    }
    if (value?.includes('\0')) throw new InvalidArgumentError(name, NUL_PROBLEM);
  }
  if (options.launchArgs !== undefined && (!Array.isArray(options.launchArgs) || !options.launchArgs.every((a) => typeof a === 'string'))) {
    throw new InvalidArgumentError('launchArgs', 'must be an array of strings');
  }
  if (options.launchArgs?.some((arg) => arg.includes('\0'))) throw new InvalidArgumentError('launchArgs', NUL_PROBLEM);
  checkObject(options.config, 'config');
  checkObject(options.env, 'env');
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined && typeof value !== 'string') throw new InvalidArgumentError(`env.${name}`, 'must be a string or undefined');
    if (name.includes('\0') || name.includes('=')) throw new InvalidArgumentError(`env.${name}`, 'a variable name must not contain "=" or a NUL character');
    if (value?.includes('\0')) throw new InvalidArgumentError(`env.${name}`, NUL_PROBLEM);
  }
  checkObject(options.clientInfo, 'clientInfo');
  const optOut = options.optOutNotificationMethods;
  if (optOut !== undefined && (!Array.isArray(optOut) || !optOut.every((m) => typeof m === 'string'))) {
    throw new InvalidArgumentError('optOutNotificationMethods', 'must be an array of strings');
  }
  checkSignal(options.signal);
  checkHandlers(options.onServerRequest);
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') throw new InvalidArgumentError('onWarning', 'must be a function');
  if (options.onUnknownServerRequest !== undefined && typeof options.onUnknownServerRequest !== 'function') {
    throw new InvalidArgumentError('onUnknownServerRequest', 'must be a function');
  }
  for (const name of ['validateResults', 'validateNotifications', 'experimentalApi'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new InvalidArgumentError(name, 'must be a boolean');
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // Strings are not quoted: a misplaced argument may be a secret.
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value === 'object' ? 'an object of another kind' : typeof value;
}
