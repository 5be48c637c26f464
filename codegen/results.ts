/**
 * Which type a request's result has. The schema's request unions name only the params type, so the
 * result type is derived from names: the params type's, the method's, and the `*Response`
 * definitions the bundle has. No table: a method none of the rules maps is an error, and every
 * such method is listed in one run.
 *
 * Rules, in order; the first that yields exactly one existing type wins, two or more is an error:
 * 1. `FooParams` -> `FooResponse` (nearly every method).
 * 2. A response type made of the same words as the method or the params type, in any order
 *    (`account/logout` -> `LogoutAccountResponse`, `memory/reset` -> `MemoryResetResponse`).
 *    `get` and `read`, `reload` and `refresh` count as the same word.
 * 3. The same with one word of the method or params type left out (`config/value/write` ->
 *    `ConfigWriteResponse`, `account/gatewayOAuth/cancel` -> `GatewayOAuthCancelResponse`).
 * 4. A method that sets or writes a value and has no response type of its own answers
 *    `ConfigWriteResponse`: codex's config writes share it (`modelProvider/default/set` on 0.171.0
 *    answers `{ status, version, filePath, overriddenMetadata }`).
 * Rules 2-4 only consider response types no method claims by rule 1. The result validators check
 * every answer against the derived type at run time, so a wrong guess cannot pass silently.
 */

export type Direction = 'client request' | 'server request';

export interface RequestEntry {
  readonly method: string;
  /** The named params type, when there is one. */
  readonly paramsName: string | undefined;
}

/** Words that mean the same in method names and type names. */
const SYNONYMS: Readonly<Record<string, string>> = { get: 'read', reload: 'refresh' };
const WRITE_VERBS = new Set(['set', 'write']);
const SHARED_WRITE_RESPONSE = 'ConfigWriteResponse';

/** `gatewayOAuth/cancel` -> gateway o auth cancel; `GetWorkspaceMessages` -> read workspace messages. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase())
    .map((w) => SYNONYMS[w] ?? w);
}

const bagKey = (list: readonly string[]): string => [...list].sort().join(' ');

/** Every bag of `list` with one word left out. */
function withOneLess(list: readonly string[]): string[] {
  return list.map((_, i) => bagKey(list.filter((__, j) => j !== i)));
}

function stemOf(paramsName: string | undefined): string | undefined {
  return paramsName?.endsWith('Params') ? paramsName.slice(0, -'Params'.length) : undefined;
}

/**
 * Maps every request to its result type. Throws one error listing every method it could not map
 * (or mapped ambiguously), so one run shows all of them.
 */
export function resolveResultTypes(
  direction: Direction,
  requests: readonly RequestEntry[],
  definitions: ReadonlySet<string>,
): Map<string, string> {
  const resolved = new Map<string, string>();
  const pending: RequestEntry[] = [];
  for (const entry of requests) {
    const stem = stemOf(entry.paramsName);
    const conventional = stem === undefined ? undefined : `${stem}Response`;
    if (conventional !== undefined && definitions.has(conventional)) resolved.set(entry.method, conventional);
    else pending.push(entry);
  }
  const claimed = new Set(resolved.values());
  const pool = [...definitions].filter((name) => name.endsWith('Response') && !claimed.has(name) && !name.startsWith('JSONRPC'));
  const byBag = new Map<string, string[]>();
  for (const name of pool) {
    const key = bagKey(words(name.slice(0, -'Response'.length)));
    byBag.set(key, [...(byBag.get(key) ?? []), name]);
  }
  const lookup = (keys: readonly string[]): string[] => [...new Set(keys.flatMap((key) => byBag.get(key) ?? []))].sort();

  const problems: string[] = [];
  for (const entry of pending) {
    const stem = stemOf(entry.paramsName);
    const sources = [words(entry.method), ...(stem === undefined ? [] : [words(stem)])];
    const verb = words(entry.method).at(-1);
    const rules: Array<() => string[]> = [
      () => lookup(sources.map(bagKey)),
      () => lookup(sources.flatMap(withOneLess)),
      () => (verb !== undefined && WRITE_VERBS.has(verb) && definitions.has(SHARED_WRITE_RESPONSE) ? [SHARED_WRITE_RESPONSE] : []),
    ];
    let found: string[] = [];
    for (const rule of rules) {
      found = rule();
      if (found.length > 0) break;
    }
    if (found.length === 1) resolved.set(entry.method, found[0]!);
    else if (found.length === 0) problems.push(`"${entry.method}" (params: ${entry.paramsName ?? 'none'}): no response type found`);
    else problems.push(`"${entry.method}" (params: ${entry.paramsName ?? 'none'}): ambiguous, could be ${found.join(' or ')}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `codegen: cannot derive the result type of ${problems.length} ${direction} method(s):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nThe schema names no response type for them and no naming rule in codegen/results.ts finds one. ' +
        'Find the `response:` of each in codex-rs/app-server-protocol/src/protocol/common.rs and extend the rules.',
    );
  }
  return new Map(requests.map((e) => [e.method, resolved.get(e.method)!]));
}
