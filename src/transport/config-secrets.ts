import { InvalidArgumentError } from '../errors.js';
import type { ConfigObject, ConfigValue } from './config-flags.js';

// `--config` values sit in the server's command line, which every local user can read
// (/proc/<pid>/cmdline is 0444) for the server's whole life; its environment is readable by its
// owner only. So secret values never go on the command line: a provider's bearer token moves to
// an environment variable codex reads through `env_key`, and any other secret-looking value is
// refused with a pointer to the ways codex reads secrets by name.

/** Config keys whose string values are secrets. */
const SECRET_KEY = /(key|token|secret|password|passwd|credential|authorization|bearer|cookie)/i;
/** Keys that match SECRET_KEY but hold the *name* of a variable, or a setting, not a secret. */
const NOT_SECRET_KEY = /^(env_key|env_key_instructions|.*_env_var|.*_credentials_store)$/i;
/** Tables whose members map to variable names, not values. */
const NAME_TABLES = new Set(['env_http_headers', 'env_vars']);

export interface ConfigWithoutSecrets {
  /** The config to pass as flags, flattened to dotted keys. */
  readonly config: ConfigObject;
  /** Variables to add to the server's environment: the secrets moved off the command line. */
  readonly env: Record<string, string>;
}

/**
 * Moves `model_providers.<id>.experimental_bearer_token` into the variable
 * `CODEX_SDK_PROVIDER_<ID>_TOKEN` (read by codex through the provider's `env_key`), and refuses
 * every other string under a secret-looking key.
 */
export function moveSecretsOffArgv(config: ConfigObject): ConfigWithoutSecrets {
  const flat = new Map<string, ConfigValue>();
  flatten([], config, flat);
  const env: Record<string, string> = {};
  for (const [key, value] of [...flat]) {
    const segments = key.split('.');
    const last = segments[segments.length - 1]!;
    if (!SECRET_KEY.test(last) || NOT_SECRET_KEY.test(last) || segments.some((s) => NAME_TABLES.has(s)) || !holdsString(value)) continue;
    if (segments.length === 3 && segments[0] === 'model_providers' && last === 'experimental_bearer_token' && typeof value === 'string') {
      const envKey = `model_providers.${segments[1]}.env_key`;
      if (flat.has(envKey)) {
        throw new InvalidArgumentError(`config key "${key}"`, `cannot be combined with ${envKey} (codex would use env_key): give one of them`);
      }
      const variable = `CODEX_SDK_PROVIDER_${segments[1]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
      env[variable] = value;
      flat.delete(key);
      flat.set(envKey, variable);
      continue;
    }
    throw new InvalidArgumentError(
      `config key "${key}"`,
      'looks like a secret, and config values are visible to every local user in the server’s command line. ' +
        'Pass the secret in `env` and let codex read it by name (a provider’s env_key or env_http_headers, ' +
        'an MCP server’s bearer_token_env_var or env_vars), or write it in CODEX_HOME/config.toml',
    );
  }
  return { config: Object.fromEntries(flat), env };
}

function flatten(prefix: readonly string[], value: ConfigValue | undefined, out: Map<string, ConfigValue>): void {
  if (value === undefined) return;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, member] of Object.entries(value as ConfigObject)) flatten([...prefix, key], member, out);
    return;
  }
  out.set(prefix.join('.'), value);
}

/** A string, or an array or inline table that holds one somewhere. */
function holdsString(value: ConfigValue): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return (value as readonly ConfigValue[]).some(holdsString);
  if (typeof value === 'object' && value !== null) return Object.values(value as ConfigObject).some((v) => v !== undefined && holdsString(v));
  return false;
}
