/**
 * Checks protocol messages against the schema of the codex version the SDK's types come from,
 * with the validators codegen compiled (src/generated/validators.cjs).
 * Methods the SDK does not know have no validator and pass unchecked.
 */
import { InvalidResponseError, ProtocolError } from '../errors.js';
import { LINE_START_CHARS } from '../transport/jsonl.js';
import { validators, type ValidationIssue, type Validator } from '../generated/validators.js';

/** Where the first mismatch is (a JSON path such as `$.thread.turns[0]`) and what is wrong there. */
export interface Mismatch {
  readonly path: string;
  readonly reason: string;
}

/** Own properties only: a method named `constructor` or `__proto__` must not find Object's members. */
function validatorFor(table: object, method: string): Validator | undefined {
  return Object.hasOwn(table, method) ? (table as Record<string, Validator>)[method] : undefined;
}

function check(validator: Validator | undefined, data: unknown): Mismatch | undefined {
  if (validator === undefined) return undefined;
  try {
    if (validator(data)) return undefined;
  } catch {
    // The validators recurse with the data: JSON nested thousands deep overflows the stack.
    return { path: '$', reason: 'is nested too deeply to check' };
  }
  // Ajv lists the failed branches of a union before the union itself; the last issue is the
  // outermost place that failed, the one that decided.
  const issue = validator.errors?.at(-1);
  return issue === undefined ? { path: '$', reason: 'does not match' } : { path: jsonPath(issue.instancePath), reason: describe(issue) };
}

/** `/thread/turns/0/id` -> `$.thread.turns[0].id`. */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return `$${pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`))
    .join('')}`;
}

function describe(issue: ValidationIssue): string {
  const { params } = issue;
  switch (issue.keyword) {
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return `must be ${types.join(' or ')}`;
    }
    case 'required':
      return `lacks the required property ${JSON.stringify(params.missingProperty)}`;
    case 'additionalProperties':
      return `has the unexpected property ${JSON.stringify(params.additionalProperty)}`;
    case 'enum':
      return 'is not one of the allowed values';
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'oneOf':
    case 'anyOf':
      return 'matches none of the allowed shapes';
    default:
      return `fails the schema's ${issue.keyword} rule`;
  }
}

/** Returns `result` when it matches its method's result schema; throws `InvalidResponseError` otherwise. */
export function checkResult(method: string, result: unknown): unknown {
  const mismatch = check(validatorFor(validators().resultValidators, method), result);
  if (mismatch !== undefined) throw new InvalidResponseError(method, mismatch.path, mismatch.reason, result);
  return result;
}

/** The mismatch of a server request's params, if any. */
export function serverRequestParamsMismatch(method: string, params: unknown): Mismatch | undefined {
  return check(validatorFor(validators().serverRequestParamsValidators, method), params);
}

/** The mismatch of an answer to a server request, if any. */
export function serverResponseMismatch(method: string, answer: unknown): Mismatch | undefined {
  return check(validatorFor(validators().serverResponseValidators, method), answer);
}

/** The mismatch of a notification's params, if any. */
export function notificationMismatch(method: string, params: unknown): Mismatch | undefined {
  return check(validatorFor(validators().notificationValidators, method), params);
}

/** A `ProtocolError` for a notification whose params do not match its method's schema, if they do not. */
export function invalidNotification(notification: { readonly method: string; readonly params?: unknown }): ProtocolError | undefined {
  const mismatch = notificationMismatch(notification.method, notification.params);
  if (mismatch === undefined) return undefined;
  let lineStart: string | undefined;
  try {
    lineStart = JSON.stringify(notification).slice(0, LINE_START_CHARS);
  } catch {
    lineStart = undefined; // too deep to write out
  }
  return new ProtocolError(
    `The app-server sent a ${notification.method} notification that does not match the protocol schema (${mismatch.path} ${mismatch.reason}); dropped it`,
    'invalidMessage',
    lineStart,
  );
}
