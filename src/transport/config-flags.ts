import { InvalidArgumentError } from '../errors.js';
import { formatTomlValue, type TomlTable, type TomlValue } from './toml.js';

/** A value that can be written as TOML: what `--config key=<value>` accepts. */
export type ConfigValue = TomlValue;
/** Config overrides; nested objects become dotted keys. */
export type ConfigObject = TomlTable;

/** A dotted key path segment codex can parse back: it splits keys on `.` and the flag on `=`. */
const KEY_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Flattens a config object into `--config key=<TOML value>` arguments. Nested objects become
 * dotted paths; keys may already be dotted (`'features.plugins': false`). Values are always
 * written as TOML literals, so no string can break out of its value or add another key.
 */
export function configFlags(config: ConfigObject): string[] {
  const flags: string[] = [];
  const visit = (prefix: string, value: ConfigValue | undefined): void => {
    if (value === undefined) return;
    if (isConfigObject(value)) {
      for (const [key, child] of Object.entries(value)) visit(joinKey(prefix, key), child);
      return;
    }
    flags.push('--config', `${prefix}=${tomlLiteral(value, prefix)}`);
  };
  for (const [key, value] of Object.entries(config)) visit(joinKey('', key), value);
  return flags;
}

function joinKey(prefix: string, key: string): string {
  for (const segment of key.split('.')) {
    if (!KEY_SEGMENT.test(segment)) {
      throw new InvalidArgumentError(
        `config key ${JSON.stringify(prefix ? `${prefix}.${key}` : key)}`,
        'each dotted segment may contain only letters, digits, "_" and "-"',
      );
    }
  }
  return prefix ? `${prefix}.${key}` : key;
}

function isConfigObject(value: ConfigValue): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The TOML literal for one config value; a value TOML cannot hold names its key. */
function tomlLiteral(value: ConfigValue, key: string): string {
  try {
    return formatTomlValue(value);
  } catch (error) {
    throw new InvalidArgumentError(`config value of ${JSON.stringify(key)}`, error instanceof Error ? error.message : String(error));
  }
}
