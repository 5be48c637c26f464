export { Codex } from './session/codex.js';
export type {
  CodexEvents,
  CodexOptions,
  CodexSessionOptions,
  CodexSpawnOptions,
  CodexWarning,
  NotificationsOptions,
  RequestOptions,
} from './session/codex.js';
export type { CodexConnectOptions, KeepAliveOptions } from './session/connect.js';
export type { ReconnectEvent, ReconnectOptions } from './session/reconnect.js';
export type { SignedTokenOptions } from './transport/auth.js';
export type { WebSocketTlsOptions } from './transport/websocket.js';
export { Thread } from './session/thread.js';
export type { CompactOptions, RunGoalOptions, ThreadSettings } from './session/thread.js';
export { GoalHandle, reduceGoal, initialGoalState, toGoalResult } from './session/goal.js';
export type { GoalOptions, GoalResult, GoalState } from './session/goal.js';
export { ReviewHandle, reviewOf } from './session/review.js';
export type { ReviewOptions, ReviewResult } from './session/review.js';
export { TurnHandle, TurnFailedError, StructuredOutputError } from './session/turn.js';
export type { AsyncStream } from './session/broadcast.js';
export { reduceTurn, initialTurnState, toTurnResult, finalResponseOf, turnIdOf } from './session/reducer.js';
export type { TurnResult, TurnState } from './session/reducer.js';
export { text, image, localImage, skill, mention, externalMessage } from './session/inputs.js';
export type { ExternalMessage, SteerInput, TurnInput } from './session/inputs.js';
export type { ApprovalMode, ThreadForkOptions, ThreadResumeOptions, ThreadStartOptions, TurnOptions } from './session/options.js';
export { safeAnswer } from './session/server-requests.js';
export type { ServerRequestContext, ServerRequestHandler, ServerRequestHandlers, UnknownServerRequestHandler } from './session/server-requests.js';
export { tool, toolNamespace } from './session/tools.js';
export type {
  InferSchemaOutput,
  JsonSchema,
  JsonSchemaToolDefinition,
  LocalTool,
  StandardSchema,
  StandardToolDefinition,
  ToolCallContext,
  ToolContent,
  ToolNamespace,
  ToolOutput,
  ToolSpec,
} from './session/tools.js';
export type { TraceContext } from './rpc/trace.js';
export { openTelemetryTrace } from './tracing/opentelemetry.js';
export { LoginFailedError } from './session/login.js';
export type { LoginHandle } from './session/login.js';
export { retryOnOverload } from './rpc/retry.js';
export type { RetryOnOverloadOptions } from './rpc/retry.js';
export type { ConfigObject, ConfigValue } from './transport/config-flags.js';
export type { CommandEnvironment } from './transport/command-env.js';
export {
  AbortError,
  AuthenticationError,
  CodexBinaryNotFoundError,
  CodexError,
  ConnectionError,
  InternalRpcError,
  InvalidArgumentError,
  InvalidParamsError,
  InvalidRequestError,
  InvalidResponseError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  ProtocolError,
  RequestTimeoutError,
  RetryLimitExceededError,
  ServerBusyError,
  StreamConsumedError,
  ThreadNotResumableError,
  TransportClosedError,
  TurnTimeoutError,
  UnsupportedFeatureError,
} from './errors.js';
export type { ProtocolErrorKind, TransportClosedDetails } from './errors.js';
export { SDK_VERSION } from './version.js';
export { SCHEMA_CODEX_VERSION } from './generated/version.js';
export {
  MIN_SUPPORTED_CODEX_VERSION,
  SUPPORTED_CODEX_RANGE,
  compareCodexVersions,
  isSupportedCodexVersion,
  parseCodexVersion,
} from './session/codex-version.js';
export type { CodexVersion } from './session/codex-version.js';
// Top-level protocol types stay for compatibility; prefer `codex-app-server-sdk/protocol` or the
// `protocol` namespace, which keep the protocol's `Thread` record apart from the `Thread` class.
export type * from './generated/protocol.js';
/** Every protocol type, also under one name: `protocol.Thread` is the server's thread record. */
export type * as protocol from './generated/protocol.js';
export type { Thread as ThreadInfo } from './generated/protocol.js';
export type * from './generated/methods.js';
export { CLIENT_NOTIFICATION_METHODS, CLIENT_REQUEST_METHODS, SERVER_NOTIFICATION_METHODS, SERVER_REQUEST_METHODS } from './generated/methods.js';
