import {
  InternalRpcError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  RetryLimitExceededError,
  ServerBusyError,
  UnsupportedFeatureError,
} from '../errors.js';
import { SCHEMA_CODEX_VERSION } from '../generated/version.js';

/** The code codex sends when its inbound queue is full. */
export const SERVER_OVERLOADED_CODE = -32001;

/** codex's answer to an experimental method or field used without the `experimentalApi` capability. */
const EXPERIMENTAL = /^(\S+) requires experimentalApi capability$/;

/** codex prefixes every failure to deserialize a request with this. */
const DESERIALIZE_PREFIX = 'Invalid request: ';

/**
 * Turns an error response received from the server into the most specific error class.
 * Only call this for errors the server sent: -32001 also means "unknown" inside vscode-jsonrpc.
 *
 * codex reports nearly everything as -32600, so after the code the message decides:
 * a deserialization failure that names the requested method as an unknown variant means the
 * server does not have the method, and "<method or method.field> requires experimentalApi
 * capability" means it is experimental (both `UnsupportedFeatureError`); any other
 * deserialization failure means bad params; the rest (thread not found, no active turn, not
 * initialized, ...) are invalid requests.
 */
export function classifyServerError(code: number, message: string, data: unknown, method: string, serverVersion?: string): JsonRpcError {
  if (code === SERVER_OVERLOADED_CODE || carriesServerOverloaded(data)) {
    return isRetryLimit(message)
      ? new RetryLimitExceededError(message, code, data, method)
      : new ServerBusyError(message, code, data, method);
  }
  switch (code) {
    case -32700:
      return new ParseError(message, code, data, method);
    case -32601:
      return new MethodNotFoundError(message, code, data, method);
    case -32602:
      return new InvalidParamsError(message, code, data, method);
    case -32603:
      return new InternalRpcError(message, code, data, method);
    case -32600: {
      const unsupported = (reason: 'unknownMethod' | 'experimental', feature: string, known: readonly string[]) =>
        new UnsupportedFeatureError(reason, feature, serverVersion, SCHEMA_CODEX_VERSION, message, known, code, data, method);
      if (message.startsWith(DESERIALIZE_PREFIX)) {
        const prefix = `${DESERIALIZE_PREFIX}unknown variant \`${method}\`, expected one of `;
        return message.startsWith(prefix)
          ? unsupported('unknownMethod', method, [...message.slice(prefix.length).matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
          : new InvalidParamsError(message, code, data, method);
      }
      // `memory/status requires experimentalApi capability`, `thread/list.projectId requires ...`
      const experimental = EXPERIMENTAL.exec(message);
      if (experimental !== null && (experimental[1] === method || experimental[1]!.startsWith(`${method}.`))) {
        return unsupported('experimental', experimental[1]!, []);
      }
      return new InvalidRequestError(message, code, data, method);
    }
    default:
      return new JsonRpcError(message, code, data, method);
  }
}

function isRetryLimit(message: string): boolean {
  const lower = message.toLowerCase();
  return lower.includes('retry limit') || lower.includes('too many failed attempts');
}

/** True when `data` says the server is overloaded: as a string, or in a codex error-info field. */
function carriesServerOverloaded(data: unknown): boolean {
  if (typeof data === 'string') return isOverloadedTag(data);
  if (typeof data !== 'object' || data === null) return false;
  const record = data as Record<string, unknown>;
  return ['codexErrorInfo', 'codex_error_info', 'errorInfo'].some((key) => isOverloadedTag(record[key]));
}

/** Matches `server_overloaded` and `serverOverloaded`, the two spellings codex uses. */
function isOverloadedTag(value: unknown): boolean {
  return typeof value === 'string' && value.replaceAll('_', '').toLowerCase() === 'serveroverloaded';
}
