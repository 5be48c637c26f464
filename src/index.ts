export { Codex } from './session/codex.js';
export type {
  CodexEvents,
  CodexOptions,
  CodexWarning,
  NotificationsOptions,
  RequestOptions,
} from './session/codex.js';
export { retryOnOverload } from './rpc/retry.js';
export type { RetryOnOverloadOptions } from './rpc/retry.js';
export type { ConfigObject, ConfigValue } from './transport/config-flags.js';
export {
  AbortError,
  CodexBinaryNotFoundError,
  CodexError,
  InternalRpcError,
  InvalidArgumentError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  ProtocolError,
  RequestTimeoutError,
  RetryLimitExceededError,
  ServerBusyError,
  TransportClosedError,
} from './errors.js';
export type { ProtocolErrorKind, TransportClosedDetails } from './errors.js';
export { SDK_VERSION } from './version.js';
export { SCHEMA_CODEX_VERSION } from './generated/version.js';
export type * from './generated/protocol.js';
export type * from './generated/methods.js';
export { CLIENT_REQUEST_METHODS, SERVER_NOTIFICATION_METHODS, SERVER_REQUEST_METHODS } from './generated/methods.js';
