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
import { checkSessionOptions, describe } from './validate.js';

/**
 * Who reviews what the agent wants to do beyond its sandbox:
 * - `autoReview`: the server's automatic reviewer decides (on-request, `auto_review`). Default for new threads.
 * - `ask`: this client's `onServerRequest` handlers decide (on-request, reviewer `user`).
 * - `denyAll`: never ask; anything that needs approval is refused (`never`).
 */
export type ApprovalMode = 'autoReview' | 'ask' | 'denyAll';

interface SessionOptions {
  /** Approval preset; explicit `approvalPolicy` / `approvalsReviewer` fields win over it. */
  readonly approvalMode?: ApprovalMode | undefined;
  /** Handlers for server requests about this thread or turn, over the client's own. */
  readonly onServerRequest?: ServerRequestHandlers | undefined;
  /** Aborts the call (and, for a turn, interrupts it). */
  readonly signal?: AbortSignal | undefined;
  /** W3C trace context sent with the request (over the client's `trace` provider; `null`: none). */
  readonly trace?: TraceContext | null | undefined;
}

interface RequestDeadline {
  /** Deadline of the request, in ms. Default: the client's `requestTimeoutMs`. */
  readonly timeoutMs?: number | undefined;
}

interface ToolOptions {
  /**
   * Local tools (`tool()`, `toolNamespace()`) this client runs for the thread. `threadStart()`
   * offers them to the model; the server keeps them with the thread, so after a restart pass
   * the same tools to `threadResume()` (or `threadFork()`) to answer their calls again.
   * Needs `experimentalApi` (the default).
   */
  readonly tools?: readonly ToolSpec[] | undefined;
}

export type ThreadStartOptions = ThreadStartParams & SessionOptions & RequestDeadline & ToolOptions;
export type ThreadResumeOptions = Omit<ThreadResumeParams, 'threadId'> & SessionOptions & RequestDeadline & ToolOptions;
export type ThreadForkOptions = Omit<ThreadForkParams, 'threadId'> & SessionOptions & RequestDeadline & ToolOptions;

export type TurnOptions = Omit<TurnStartParams, 'threadId' | 'input' | 'toolOutput'> &
  SessionOptions & {
    /** Sandbox by its `SandboxMode` name, sent as the turn's `sandboxPolicy` (which wins if also given). */
    readonly sandbox?: SandboxMode | undefined;
    /**
     * Deadline of the WHOLE turn in ms, from the `turn()` / `run()` call (waiting for earlier turns
     * included) to `turn/completed`. Past it the turn is interrupted and ends with
     * `TurnTimeoutError` (carrying the result so far); the thread stays usable. Default: the
     * client's `turnTimeoutMs` (none). The `turn/start` request itself has the client's
     * `requestTimeoutMs`.
     */
    readonly timeoutMs?: number | undefined;
    /**
     * Ends the turn with `TurnTimeoutError` (reason `stalled`) when it makes no progress but retry
     * errors (`error` with `willRetry: true`, e.g. the model provider is unreachable) for this
     * many ms. Time a server-request handler spends does not count. Default: the client's
     * `stallTimeoutMs` (300000); `Infinity` turns it off.
     */
    readonly stallTimeoutMs?: number | undefined;
  };

const SESSION_KEYS = ['approvalMode', 'onServerRequest', 'signal', 'timeoutMs', 'stallTimeoutMs', 'sandbox', 'tools', 'trace'] as const;

// Maps, not object literals: a lookup by an inherited name (`'constructor'`, `'__proto__'`,
// `'toString'`) must find nothing, not a prototype member that slips past the check.
const PRESETS: ReadonlyMap<string, { approvalPolicy: AskForApproval; approvalsReviewer?: ApprovalsReviewer | undefined }> = new Map([
  ['autoReview', { approvalPolicy: 'on-request', approvalsReviewer: 'auto_review' }],
  ['ask', { approvalPolicy: 'on-request', approvalsReviewer: 'user' }],
  ['denyAll', { approvalPolicy: 'never' }],
] as const);

const SANDBOX_POLICIES: ReadonlyMap<string, SandboxPolicy> = new Map<SandboxMode, SandboxPolicy>([
  ['read-only', { type: 'readOnly' }],
  ['workspace-write', { type: 'workspaceWrite' }],
  ['danger-full-access', { type: 'dangerFullAccess' }],
]);

/**
 * The wire params for options: SDK-only keys removed, the approval preset applied under any
 * explicit wire fields, and `sandbox` turned into a `sandboxPolicy` when `sandboxKey` says so.
 */
export function toWireParams<T extends object>(
  options: T & { approvalMode?: ApprovalMode | undefined; sandbox?: SandboxMode | null | undefined },
  defaultMode: ApprovalMode | undefined,
  sandboxKey: 'sandbox' | 'sandboxPolicy',
): Record<string, unknown> {
  checkSessionOptions(options);
  const sdkKeys: ReadonlySet<string> = new Set(SESSION_KEYS);
  const wire: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([key]) => !sdkKeys.has(key)));
  const mode = options.approvalMode ?? defaultMode;
  if (mode !== undefined) {
    const preset = typeof mode === 'string' ? PRESETS.get(mode) : undefined;
    if (preset === undefined) {
      throw new InvalidArgumentError('approvalMode', `must be one of ${[...PRESETS.keys()].join(', ')}, got ${describeChoice(mode)}`);
    }
    if (wire.approvalPolicy === undefined) wire.approvalPolicy = preset.approvalPolicy;
    if (wire.approvalsReviewer === undefined && preset.approvalsReviewer !== undefined) wire.approvalsReviewer = preset.approvalsReviewer;
  }
  if (options.sandbox !== undefined && options.sandbox !== null) {
    // A thread's `sandbox` goes to the server as it is: the server checks it (InvalidParamsError).
    if (sandboxKey === 'sandbox') wire.sandbox = options.sandbox;
    else {
      const sandbox: unknown = options.sandbox;
      const policy = typeof sandbox === 'string' ? SANDBOX_POLICIES.get(sandbox) : undefined;
      if (policy === undefined) {
        throw new InvalidArgumentError('sandbox', `must be one of ${[...SANDBOX_POLICIES.keys()].join(', ')}, got ${describeChoice(sandbox)}`);
      }
      if (wire.sandboxPolicy === undefined) wire.sandboxPolicy = policy;
    }
  }
  return wire;
}

/** A wrong choice, quoted when it is a short string (never a secret-sized one). */
function describeChoice(value: unknown): string {
  return typeof value === 'string' && value.length <= 40 ? JSON.stringify(value) : describe(value);
}
