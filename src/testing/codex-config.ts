/**
 * The codex configuration that points codex at a scripted model and keeps it offline.
 */
import type { TomlTable, TomlValue } from '../transport/toml.js';

/**
 * When codex asks before running a command or applying a patch (codex's `approval_policy`).
 * `untrusted` is not among them: codex 0.169 refuses to start with
 * `approval_policy = "untrusted"` in its config ("no longer supported"). Ask for it per thread
 * instead: `thread/start { approvalPolicy: "untrusted" }` is accepted.
 */
export type ApprovalPolicy = 'on-request' | 'never';

/** What commands may touch (codex's `sandbox_mode`). */
export type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';

/** Options of `ScriptedModel.codexConfig()`. */
export interface ScriptedCodexConfigOptions {
  /** Default `never`: no approval requests unless a test asks for them. */
  readonly approvalPolicy?: ApprovalPolicy | undefined;
  /** Default `danger-full-access`: commands run unsandboxed, as in most tests. */
  readonly sandboxMode?: SandboxMode | undefined;
  /**
   * The provider's `stream_idle_timeout_ms`: how long codex waits for the next event before it
   * fails the stream. Codex's default (minutes) applies when absent.
   */
  readonly streamIdleTimeoutMs?: number | undefined;
}

/** The provider table codex reads from `model_providers.<id>`. */
export type ScriptedProviderConfig = {
  readonly name: string;
  /** `http://127.0.0.1:PORT/v1`: codex POSTs to `{base_url}/responses`. */
  readonly base_url: string;
  readonly wire_api: 'responses';
  /** 0: an HTTP error fails the turn at once instead of being retried. */
  readonly request_max_retries: number;
  /** 0: a broken stream fails the turn at once instead of being retried. */
  readonly stream_max_retries: number;
  readonly stream_idle_timeout_ms?: number | undefined;
};

/**
 * Config overrides for codex, as a nested object: each leaf is one `--config key=<TOML>` flag
 * (`model_providers.mock.base_url = "http://…"`), or the whole of a `config.toml`.
 */
export type ScriptedCodexConfig = {
  readonly model: string;
  readonly model_provider: string;
  readonly approval_policy: ApprovalPolicy;
  readonly sandbox_mode: SandboxMode;
  readonly model_providers: { readonly [providerId: string]: ScriptedProviderConfig };
  readonly features: {
    /** Required offline: with plugins on, startup reaches out to github.com and chatgpt.com. */
    readonly plugins: false;
    /** Skips running the login shell's rc files to snapshot the environment: faster, hermetic. */
    readonly shell_snapshot: false;
  };
};

/** Builds the config for a scripted model at `baseUrl`. */
export function buildCodexConfig(
  target: { readonly baseUrl: string; readonly model: string; readonly providerId: string },
  options: ScriptedCodexConfigOptions = {},
): ScriptedCodexConfig {
  const provider: ScriptedProviderConfig = {
    name: 'ScriptedModel',
    base_url: target.baseUrl,
    wire_api: 'responses',
    request_max_retries: 0,
    stream_max_retries: 0,
    ...(options.streamIdleTimeoutMs === undefined ? {} : { stream_idle_timeout_ms: options.streamIdleTimeoutMs }),
  };
  return {
    model: target.model,
    model_provider: target.providerId,
    approval_policy: options.approvalPolicy ?? 'never',
    sandbox_mode: options.sandboxMode ?? 'danger-full-access',
    model_providers: { [target.providerId]: provider },
    features: { plugins: false, shell_snapshot: false },
  };
}

/**
 * Merges `overrides` into `base`: tables merge member by member, any other value (arrays
 * included) replaces what was there. Neither argument is modified.
 */
export function mergeConfig(base: TomlTable, overrides: TomlTable): TomlTable {
  const merged: Record<string, TomlValue | undefined> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = isTable(current) && isTable(value) ? mergeConfig(current, value) : value;
  }
  return merged;
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && !Array.isArray(value);
}
