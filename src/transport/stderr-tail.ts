import { SubstringMatcher } from './secret-matcher.js';

/** Keeps the last `maxChars` characters written to a stream, for error messages. */
export class StderrTail {
  #text = '';
  readonly #maxChars: number;
  readonly #secrets: readonly string[];

  /**
   * `secrets` are replaced by `[REDACTED]` in everything this returns. The array is kept, not
   * copied: secrets added to it later (an API key given to `loginApiKey`) are redacted too.
   */
  constructor(maxChars: number, secrets: readonly string[]) {
    this.#maxChars = maxChars;
    this.#secrets = secrets;
  }

  append(chunk: string): void {
    this.#text += chunk;
    // Trim lazily, so a chatty process costs one pass per `maxChars` of output, not per chunk.
    // Redact before cutting: a cut through a secret would keep a piece no later redaction
    // recognizes. Only the end can still hold a secret unredacted (its rest not yet written), and
    // the cut is a secret's length further back than the last `maxChars`.
    if (this.#text.length > this.#maxChars * 2) {
      const margin = this.#secrets.reduce((longest, secret) => Math.max(longest, secret.length), 0);
      this.#text = redact(this.#text, this.#secrets).slice(-(this.#maxChars + margin));
    }
  }

  /** The last `maxChars` characters (at most), starting at a line boundary when one is near. */
  read(maxChars = this.#maxChars): string {
    // Redacted before it is cut, so that no secret is cut in two and half of it kept.
    const text = redact(this.#text, this.#secrets);
    let tail = text.slice(-Math.min(maxChars, this.#maxChars));
    if (tail.length < text.length) {
      const newline = tail.indexOf('\n');
      if (newline !== -1 && newline < tail.length - 1) tail = tail.slice(newline + 1);
    }
    return tail;
  }
}

/** Replaces every occurrence of each secret with `[REDACTED]`, longest secrets first. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of longestFirst(secrets)) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/**
 * The shortest piece of a secret `redactPieces` removes, and the shortest value treated as a
 * secret at all: shorter ones would blank out ordinary words, and are not real keys.
 */
export const MIN_SECRET_PIECE = 8;

/**
 * Like `redact`, and also removes every piece of a secret `MIN_SECRET_PIECE` characters or
 * longer, wherever it is: what is left of a secret in text that was cut short (the first 200
 * characters of a line, the few characters a JSON parse error quotes, a provider error body
 * codex shortened). Linear in the text's length and the secrets' total length.
 */
export function redactPieces(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text.length < MIN_SECRET_PIECE) return text;
  const ranges = matcherFor(secrets).ranges(text, MIN_SECRET_PIECE);
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += `${text.slice(at, start)}[REDACTED]`;
    at = end;
  }
  return out + text.slice(at);
}

/** A matcher per secrets array (a client's), rebuilt when the array changes (a login adds a key). */
const matchers = new WeakMap<readonly string[], { key: string; matcher: SubstringMatcher }>();

function matcherFor(secrets: readonly string[]): SubstringMatcher {
  const key = secrets.join('\u0000');
  let entry = matchers.get(secrets);
  if (entry?.key !== key) matchers.set(secrets, (entry = { key, matcher: new SubstringMatcher(secrets) }));
  return entry.matcher;
}

function longestFirst(secrets: readonly string[]): readonly string[] {
  return secrets.length < 2 ? secrets : [...secrets].sort((a, b) => b.length - a.length);
}

/** Names of variables and config keys whose values must never appear in messages, stderr tails or logs. */
export const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)/i;

/** Whether a value is long enough to be a secret (`MIN_SECRET_PIECE` characters or more). */
export function isRedactable(value: unknown): value is string {
  return typeof value === 'string' && value.length >= MIN_SECRET_PIECE;
}

/** Picks the values worth redacting out of an environment: long values of secret-looking names. */
export function secretsOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (isRedactable(value) && SECRET_NAME.test(name)) secrets.push(value);
  }
  return secrets;
}

/** Adds `value` to `secrets` (once) if it is worth redacting. */
export function addSecret(secrets: string[], value: unknown): void {
  if (isRedactable(value) && !secrets.includes(value)) secrets.push(value);
}
