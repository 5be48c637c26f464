/** Keeps the last `maxChars` characters written to a stream, for error messages. */
export class StderrTail {
  #text = '';
  readonly #maxChars: number;
  readonly #secrets: readonly string[];

  /** `secrets` are replaced by `[REDACTED]` in everything this returns. */
  constructor(maxChars: number, secrets: readonly string[]) {
    this.#maxChars = maxChars;
    this.#secrets = secrets;
  }

  append(chunk: string): void {
    this.#text += chunk;
    // Trim lazily, so a chatty process costs one slice per `maxChars` of output, not per chunk.
    if (this.#text.length > this.#maxChars * 2) this.#text = this.#text.slice(-this.#maxChars);
  }

  /** The last `maxChars` characters (at most), starting at a line boundary when one is near. */
  read(maxChars = this.#maxChars): string {
    let tail = this.#text.slice(-Math.min(maxChars, this.#maxChars));
    if (tail.length < this.#text.length) {
      const newline = tail.indexOf('\n');
      if (newline !== -1 && newline < tail.length - 1) tail = tail.slice(newline + 1);
    }
    return redact(tail, this.#secrets);
  }
}

/** Replaces every occurrence of each secret with `[REDACTED]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/** Environment variables whose values must never appear in messages, stderr tails or logs. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)/i;

/** Picks the values worth redacting out of an environment: long values of secret-looking names. */
export function secretsOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= 8 && SECRET_NAME.test(name)) secrets.push(value);
  }
  return secrets;
}
