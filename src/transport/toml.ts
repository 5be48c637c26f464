/**
 * A tiny TOML writer: enough to write a `config.toml` for codex and to format the values of
 * `--config key=<TOML>` flags. It writes; it does not parse.
 */

/** A value TOML can hold. TOML has no `null`; `undefined` members of a table are skipped. */
export type TomlValue = string | number | bigint | boolean | readonly TomlValue[] | TomlTable;

/** A TOML table: string keys to values. Members whose value is `undefined` are left out. */
export interface TomlTable {
  readonly [key: string]: TomlValue | undefined;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Formats a key: bare when TOML allows it (`A-Z a-z 0-9 _ -`), quoted otherwise. A key with a dot
 * is quoted, so `{"a.b": 1}` stays one key instead of becoming a nested table.
 */
export function formatTomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : formatTomlString(key);
}

/**
 * Formats a string as a TOML basic string (`"..."`): `\` and `"` are escaped, and so is every
 * control character (U+0000–U+001F, U+007F), so the result is always one line.
 *
 * @throws TypeError if the string holds a lone UTF-16 surrogate, which TOML cannot represent.
 */
export function formatTomlString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
        continue;
      }
      throw new TypeError(`TOML strings cannot hold a lone surrogate (U+${hex4(code)} at index ${i})`);
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      throw new TypeError(`TOML strings cannot hold a lone surrogate (U+${hex4(code)} at index ${i})`);
    }
    out += escapeChar(code) ?? value[i]!;
  }
  return `${out}"`;
}

function escapeChar(code: number): string | undefined {
  switch (code) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x08:
      return '\\b';
    case 0x09:
      return '\\t';
    case 0x0a:
      return '\\n';
    case 0x0c:
      return '\\f';
    case 0x0d:
      return '\\r';
    default:
      return code < 0x20 || code === 0x7f ? `\\u${hex4(code)}` : undefined;
  }
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Formats one value inline: strings, numbers (`inf`, `-inf` and `nan` included), bigints,
 * booleans, arrays as `[a, b]` and tables as inline tables `{ k = v }`.
 * This is the `<TOML>` part of a `--config key=<TOML>` flag.
 *
 * @throws TypeError for `null`, functions and other values TOML cannot express, and for lone
 *   surrogates in strings.
 */
export function formatTomlValue(value: TomlValue): string {
  switch (typeof value) {
    case 'string':
      return formatTomlString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return formatTomlNumber(value);
    case 'object':
      if (value === null) break;
      if (isTomlArray(value)) return `[${value.map((item) => formatTomlValue(item)).join(', ')}]`;
      return formatInlineTable(value);
    default:
      break;
  }
  throw new TypeError(`TOML cannot express ${describe(value)}`);
}

function formatTomlNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  // String() gives `1.5`, `1e-7`, `1e+21`: all valid TOML floats; integers stay integers.
  return String(value);
}

function formatInlineTable(table: TomlTable): string {
  const members = definedEntries(table).map(([key, member]) => `${formatTomlKey(key)} = ${formatTomlValue(member)}`);
  return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`;
}

/**
 * Formats a whole TOML document: the table's plain values first, then each nested table as a
 * `[section]` (recursively, as `[a.b]`). Tables inside arrays are written inline.
 *
 * @throws TypeError as {@link formatTomlValue} does.
 */
export function formatTomlDocument(table: TomlTable): string {
  const lines: string[] = [];
  writeSection(lines, [], table);
  return `${lines.join('\n')}\n`;
}

function writeSection(lines: string[], path: readonly string[], table: TomlTable): void {
  const values: [string, TomlValue][] = [];
  const tables: [string, TomlTable][] = [];
  for (const [key, member] of definedEntries(table)) {
    if (isSubTable(member)) tables.push([key, member]);
    else values.push([key, member]);
  }
  // A table holding only tables needs no header of its own: `[a.b]` implies `[a]`.
  if (path.length > 0 && (values.length > 0 || tables.length === 0)) {
    if (lines.length > 0) lines.push('');
    lines.push(`[${path.map((key) => formatTomlKey(key)).join('.')}]`);
  }
  for (const [key, member] of values) lines.push(`${formatTomlKey(key)} = ${formatTomlValue(member)}`);
  for (const [key, member] of tables) writeSection(lines, [...path, key], member);
}

function definedEntries(table: TomlTable): [string, TomlValue][] {
  const out: [string, TomlValue][] = [];
  for (const [key, member] of Object.entries(table)) {
    if (member !== undefined) out.push([key, member]);
  }
  return out;
}

function isTomlArray(value: readonly TomlValue[] | TomlTable): value is readonly TomlValue[] {
  return Array.isArray(value);
}

function isSubTable(value: TomlValue): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'this object' : `a value of type ${typeof value}`;
}
