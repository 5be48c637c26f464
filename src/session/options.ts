import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
  ThreadForkParams,
  ThreadResumeParams,
  ThreadStartParams,
  TurnStartParams,
} from '../generated/protocol.js';
import { InvalidArgumentError } from '../errors.js';
import type { TraceContext } from '../rpc/trace.js';
import type { ServerRequestHandlers } from './server-requests.js';
import type { ToolSpec } from './tools.js';
import { checkSessionOptions } from './validate.js';

/**
 * Who reviews what the agent wants to do beyond its sandbox:
 * - `autoReview`: the server's automatic reviewer decides (on-request, `auto_review`). Default for new threads.
 * - `ask`: this client's `onServerRequest` handlers decide (on-request, reviewer `user`).
 * - `denyAll`: never ask; anything that needs approval is refused (`never`).
 */
export type ApprovalMode = 'autoReview' | 'ask' | 'denyAll';

interface SessionOptions {
  /** Approval preset; explicit `approvalPolicy` / `approvalsReviewer` fields win over it. */
  readonly approvalMode?: ApprovalMode;
  /** Handlers for server requests about this thread or turn, over the client's own. */
  readonly onServerRequest?: ServerRequestHandlers;
  /** Aborts the call (and, for a turn, interrupts it). */
  readonly signal?: AbortSignal;
  /** Deadline of the request itself, in ms (not of the turn). */
  readonly timeoutMs?: number;
  /** W3C trace context sent with the request (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null;
}

interface ToolOptions {
  /**
   * Local tools (`tool()`, `toolNamespace()`) this client runs for the thread. `threadStart()`
   * offers them to the model; the server keeps them with the thread, so after a restart pass
   * the same tools to `threadResume()` (or `threadFork()`) to answer their calls again.
   * Needs `experimentalApi` (the default).
   */
  readonly tools?: readonly ToolSpec[];
}

export type ThreadStartOptions = ThreadStartParams & SessionOptions & ToolOptions;
export type ThreadResumeOptions = Omit<ThreadResumeParams, 'threadId'> & SessionOptions & ToolOptions;
export type ThreadForkOptions = Omit<ThreadForkParams, 'threadId'> & SessionOptions & ToolOptions;

export type TurnOptions = Omit<TurnStartParams, 'threadId' | 'input' | 'toolOutput'> &
  SessionOptions & {
    /** Sandbox by its `SandboxMode` name, sent as the turn's `sandboxPolicy` (which wins if also given). */
    readonly sandbox?: SandboxMode;
  };

const SESSION_KEYS = ['approvalMode', 'onServerRequest', 'signal', 'timeoutMs', 'sandbox', 'tools', 'trace'] as const;

const PRESETS: Readonly<Record<ApprovalMode, { approvalPolicy: AskForApproval; approvalsReviewer?: ApprovalsReviewer }>> = {
  autoReview: { approvalPolicy: 'on-request', approvalsReviewer: 'auto_review' },
  ask: { approvalPolicy: 'on-request', approvalsReviewer: 'user' },
  denyAll: { approvalPolicy: 'never' },
};

const SANDBOX_POLICIES: Readonly<Record<SandboxMode, SandboxPolicy>> = {
  'read-only': { type: 'readOnly' },
  'workspace-write': { type: 'workspaceWrite' },
  'danger-full-access': { type: 'dangerFullAccess' },
};

/**
 * The wire params for options: SDK-only keys removed, the approval preset applied under any
 * explicit wire fields, and `sandbox` turned into a `sandboxPolicy` when `sandboxKey` says so.
 */
export function toWireParams<T extends object>(
  options: T & { approvalMode?: ApprovalMode; sandbox?: SandboxMode | null },
  defaultMode: ApprovalMode | undefined,
  sandboxKey: 'sandbox' | 'sandboxPolicy',
): Record<string, unknown> {
  checkSessionOptions(options);
  const sdkKeys: ReadonlySet<string> = new Set(SESSION_KEYS);
  const wire: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([key]) => !sdkKeys.has(key)));
  const mode = options.approvalMode ?? defaultMode;
  if (mode !== undefined) {
    const preset = PRESETS[mode];
    if (preset === undefined) {
      throw new InvalidArgumentError('approvalMode', `must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(mode)}`);
    }
    if (wire.approvalPolicy === undefined) wire.approvalPolicy = preset.approvalPolicy;
    if (wire.approvalsReviewer === undefined && preset.approvalsReviewer !== undefined) wire.approvalsReviewer = preset.approvalsReviewer;
  }
  if (options.sandbox !== undefined && options.sandbox !== null) {
    if (sandboxKey === 'sandbox') wire.sandbox = options.sandbox;
    else {
      const policy = SANDBOX_POLICIES[options.sandbox];
      if (policy === undefined) {
        throw new InvalidArgumentError('sandbox', `must be one of ${Object.keys(SANDBOX_POLICIES).join(', ')}, got ${JSON.stringify(options.sandbox)}`);
      }
      if (wire.sandboxPolicy === undefined) wire.sandboxPolicy = policy;
    }
  }
  return wire;
}
