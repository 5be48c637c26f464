import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';

/**
 * For a server started with `--ws-auth signed-bearer-token --ws-shared-secret-file FILE`: each
 * connection gets a fresh HS256 JWT signed with the shared secret, valid for `ttlSeconds`.
 */
export interface SignedTokenOptions {
  /** The shared secret itself. Give this or `secretFile`. */
  readonly secret?: string | Uint8Array | undefined;
  /** A file holding the shared secret: the same file the server reads. */
  readonly secretFile?: string | undefined;
  /** `iss` claim; must match the server's `--ws-issuer` when it sets one. */
  readonly issuer?: string | undefined;
  /** `aud` claim; must match the server's `--ws-audience` when it sets one. */
  readonly audience?: string | undefined;
  /** `sub` claim. Default: none. */
  readonly subject?: string | undefined;
  /** Lifetime of each token, from its `iat` to its `exp`. Default 300. */
  readonly ttlSeconds?: number | undefined;
}

export interface AuthOptions {
  /** A capability token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** A file holding the capability token (surrounding whitespace is ignored). */
  readonly tokenFile?: string | undefined;
  readonly signedToken?: SignedTokenOptions | undefined;
}

const DEFAULT_TTL_SECONDS = 300;
const MIN_SECRET_BYTES = 32;

/** The bearer token to send, or undefined when no auth option is set. Reads files now, mints a JWT now. */
export async function bearerToken(options: AuthOptions): Promise<string | undefined> {
  const given = (['token', 'tokenFile', 'signedToken'] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) throw new InvalidArgumentError(given[1]!, `cannot be combined with ${given[0]}: give one way to authenticate`);
  if (options.token !== undefined) return checkToken(options.token, 'token');
  if (options.tokenFile !== undefined) return checkToken(await readSecretFile(options.tokenFile, 'tokenFile'), 'tokenFile');
  if (options.signedToken !== undefined) return signToken(options.signedToken);
  return undefined;
}

function checkToken(token: unknown, argument: string): string {
  if (typeof token !== 'string' || token.trim().length === 0) throw new InvalidArgumentError(argument, 'must hold a non-empty token');
  // A newline or control character would make an invalid (or a smuggled) HTTP header.
  if (hasControlCharacter(token.trim())) throw new InvalidArgumentError(argument, 'must not contain control characters or line breaks');
  return token.trim();
}

async function readSecretFile(file: unknown, argument: string): Promise<string> {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError(argument, 'must be a non-empty path');
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new InvalidArgumentError(argument, `could not be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`);
  }
}

async function signToken(options: SignedTokenOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('signedToken', 'must be an object');
  const { secret, secretFile, issuer, audience, subject } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) throw new InvalidArgumentError('signedToken.ttlSeconds', 'must be a positive number');
  if ((secret === undefined) === (secretFile === undefined)) throw new InvalidArgumentError('signedToken', 'needs exactly one of secret and secretFile');
  for (const [name, value] of Object.entries({ issuer, audience, subject })) {
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw new InvalidArgumentError(`signedToken.${name}`, 'must be a non-empty string');
  }
  // The server trims the file's surrounding whitespace (a trailing newline is not part of the
  // secret; checked against codex 0.169), so the same file works for both sides.
  const raw = secretFile !== undefined ? (await readSecretFile(secretFile, 'signedToken.secretFile')).trim() : secret;
  const key = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError('signedToken.secret', 'must be a string or Uint8Array');
  // The server refuses to start with a shorter one; a short key here can only be a mistake.
  if (key.length < MIN_SECRET_BYTES) throw new InvalidArgumentError(secretFile !== undefined ? 'signedToken.secretFile' : 'signedToken.secret', `must hold at least ${MIN_SECRET_BYTES} bytes, as the app-server requires`);
  // Loaded on first use: only servers in signed-bearer-token mode need it.
  const { SignJWT } = await import('jose');
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(`${Math.ceil(ttl)}s`);
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  if (subject !== undefined) jwt = jwt.setSubject(subject);
  return jwt.sign(key);
}

/** True if `text` holds a character HTTP headers cannot carry (C0 controls, DEL). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
