/**
 * `codex-app-server-sdk/testing`: drive a real codex app-server offline in tests, against a
 * scripted model provider.
 */
export {
  ScriptedModel,
  ScriptedModelError,
  type CreateCodexHomeOptions,
  type ScriptedModelOptions,
  type WaitForRequestsOptions,
} from './testing/scripted-model.js';
export { type ReplyMatch } from './testing/reply-match.js';
export { overloadLaunchArgs, OVERLOAD_ERROR, type OverloadLaunchOptions, type OverloadPlan } from './testing/overload.js';
export {
  reply,
  formatUsage,
  DEFAULT_SCRIPTED_USAGE,
  type CompletedReplyOptions,
  type DropReplyOptions,
  type FailedReplyOptions,
  type HangReplyOptions,
  type HttpErrorReplyOptions,
  type RawEventsReplyOptions,
  type ReplyOptions,
  type ScriptedHttpReply,
  type ScriptedReply,
  type ScriptedStreamReply,
  type ScriptedTokenUsage,
  type StreamReplyOptions,
} from './testing/replies.js';
export {
  output,
  type FunctionCallOutputOptions,
  type MessageOutputOptions,
  type MessagePhase,
  type ReasoningOutputOptions,
  type ScriptedOutputItem,
  type ShellOutputOptions,
} from './testing/output-items.js';
export { applyPatchCommand, formatPatch, type PatchOperation } from './testing/patch.js';
export {
  RecordedRequest,
  type FunctionCallOutput,
  type JsonObject,
  type RecordedRequestInit,
} from './testing/recorded-request.js';
export {
  type ApprovalPolicy,
  type SandboxMode,
  type ScriptedCodexConfig,
  type ScriptedCodexConfigOptions,
  type ScriptedProviderConfig,
} from './testing/codex-config.js';
export {
  createTemporaryCodexHome,
  type TemporaryCodexHome,
  type TemporaryCodexHomeOptions,
} from './testing/codex-home.js';
export { formatSseEvent, type SseEvent } from './testing/sse.js';
export {
  formatTomlDocument,
  formatTomlKey,
  formatTomlString,
  formatTomlValue,
  type TomlTable,
  type TomlValue,
} from './transport/toml.js';
export { startAppServer, type AppServer, type StartAppServerOptions } from './testing/app-server.js';
