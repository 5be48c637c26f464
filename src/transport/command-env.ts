import { InvalidArgumentError } from '../errors.js';
import type { ConfigObject } from './config-flags.js';

/**
 * What the commands the model runs see of the server's environment (codex's
 * `shell_environment_policy`). The server itself always gets the whole environment it needs
 * (`process.env` plus `env`); this only limits what its commands inherit, and so what a
 * command's output can carry back to the model provider.
 *
 * - `'core'` (default): only `HOME`, `LOGNAME`, `PATH`, `SHELL`, `USER`, `USERNAME`, `TMPDIR`,
 *   `TEMP`, `TMP`, plus what codex sets itself (`LANG`, `TERM`, `CODEX_*`, ...).
 * - `{ include: [...] }`: the core set plus variables named here; a name may be a glob
 *   (`'AWS_REGION'`, `'MYAPP_*'`).
 * - `'all'`: the SDK sets nothing, and codex's own default applies: every variable, secrets
 *   included (or what `shell_environment_policy` in your `config.toml` says).
 */
export type CommandEnvironment = 'core' | 'all' | { readonly include: readonly string[] };

/** The variables codex's `inherit = "core"` keeps (codex 0.169, `core/src/exec_env.rs`). */
export const CORE_VARIABLES = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'USER', 'USERNAME', 'TMPDIR', 'TEMP', 'TMP'] as const;

/** A variable name or a glob of one: what codex's `include_only` matches against. */
const NAME_PATTERN = /^[A-Za-z0-9_*?[\]!-]+$/;

/**
 * The config overrides for a `commandEnvironment` option. A caller who sets
 * `shell_environment_policy` in `config` has decided already: then nothing is added, and giving
 * `commandEnvironment` as well is an error.
 */
export function commandEnvironmentConfig(option: unknown, config: ConfigObject | undefined): ConfigObject {
  const explicit = config !== undefined && Object.keys(config).some((key) => key === 'shell_environment_policy' || key.startsWith('shell_environment_policy.'));
  if (explicit) {
    if (option !== undefined) {
      throw new InvalidArgumentError('commandEnvironment', 'cannot be combined with config.shell_environment_policy: use one of them');
    }
    return {};
  }
  if (option === undefined || option === 'core') return { shell_environment_policy: { inherit: 'core' } };
  if (option === 'all') return {};
  const include = typeof option === 'object' && option !== null ? (option as { include?: unknown }).include : undefined;
  if (!Array.isArray(include) || !include.every((name): name is string => typeof name === 'string' && NAME_PATTERN.test(name))) {
    throw new InvalidArgumentError(
      'commandEnvironment',
      "must be 'core', 'all' or { include: [names or globs] } (letters, digits, '_', '-' and glob characters)",
    );
  }
  // codex's include_only keeps matching variables of what `inherit` gave; to add names to the
  // core set, inherit everything and keep the core names plus the caller's.
  return { shell_environment_policy: { inherit: 'all', include_only: [...CORE_VARIABLES, ...include] } };
}
