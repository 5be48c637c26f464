import { SCHEMA_CODEX_VERSION } from '../generated/version.js';

/** A codex version, parsed for comparing (`codex.serverVersion` stays the plain string). */
export interface CodexVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** The text it was read from, e.g. `0.171.0` or `0.172.0-alpha.1`. */
  readonly raw: string;
}

/** The oldest codex the integration suite passes against (see COMPATIBILITY.md). */
export const MIN_SUPPORTED_CODEX_VERSION = '0.169.0';

/** `0.171.0` -> `{ major: 0, minor: 171, patch: 0, raw }`; undefined for anything else. */
export function parseCodexVersion(raw: string): CodexVersion | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+][\w.-]*)?$/.exec(raw);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), raw };
}

/** Negative when `a` is older than `b`, 0 when equal (pre-release tags ignored), positive when newer. */
export function compareCodexVersions(a: CodexVersion | string, b: CodexVersion | string): number {
  const left = typeof a === 'string' ? parseCodexVersion(a) : a;
  const right = typeof b === 'string' ? parseCodexVersion(b) : b;
  if (left === undefined || right === undefined) throw new TypeError(`not a codex version: ${String(left === undefined ? a : b)}`);
  return left.major - right.major || left.minor - right.minor || left.patch - right.patch;
}

/** The versions this SDK is tested against: from `MIN_SUPPORTED_CODEX_VERSION` to the one its types come from. */
export const SUPPORTED_CODEX_RANGE = { min: MIN_SUPPORTED_CODEX_VERSION, max: SCHEMA_CODEX_VERSION } as const;

/** True when `version` lies in `SUPPORTED_CODEX_RANGE` (unparseable versions are not). */
export function isSupportedCodexVersion(version: string): boolean {
  const parsed = parseCodexVersion(version);
  return (
    parsed !== undefined &&
    compareCodexVersions(parsed, SUPPORTED_CODEX_RANGE.min) >= 0 &&
    compareCodexVersions(parsed, SUPPORTED_CODEX_RANGE.max) <= 0
  );
}

/** Reads `1.2.3` out of a user agent such as `my_client/0.169.0 (Debian 12; x86_64) ...`. */
export function parseServerVersion(userAgent: string): string | undefined {
  return /^[^/\s]+\/(\d+\.\d+\.\d+[^\s(]*)/.exec(userAgent)?.[1];
}
