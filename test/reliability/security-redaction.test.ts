import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { InternalRpcError, InvalidArgumentError, ProtocolError } from '../../src/index.js';
import { SubstringMatcher } from '../../src/transport/secret-matcher.js';
import { MIN_SECRET_PIECE, redactPieces, StderrTail } from '../../src/transport/stderr-tail.js';
import { startFake } from '../helpers/fake-server.js';
import { settlement, within } from '../helpers/reliability.js';

// Redaction gaps (issue 13, item 4): cut before redacting, quoted unredacted, causes not walked,
// short keys, and a cost that grew with the secret's length times the text's.

const SECRET = 'sk-redact-test-0123456789abcdefABCDEF';

/** The pieces of `secret` at least `length` characters long that appear in `text`. */
function piecesIn(text: string, secret: string, length = MIN_SECRET_PIECE): string[] {
  const found: string[] = [];
  for (let at = 0; at + length <= secret.length; at++) {
    const piece = secret.slice(at, at + length);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

describe('security: the stderr tail is redacted before it is cut', () => {
  it('keeps no piece of a secret, wherever the trim cuts and however many copies shorten the text', () => {
    const secret = 'TAILSECRET-0123456789'; // 21 characters
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (pad, copies, chunks) => {
        const tail = new StderrTail(40, [secret]);
        const text = `${'a'.repeat(pad)}${secret.repeat(copies)}\nline ${secret}\n`;
        const size = Math.ceil(text.length / chunks);
        for (let at = 0; at < text.length; at += size) tail.append(text.slice(at, at + size));
        const read = tail.read();
        expect(piecesIn(read, secret, 6), read).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('security: redaction costs time linear in the text', () => {
  it('moves the matcher at most twice per character of text, and builds at most two states per secret character', () => {
    const text = `${'x'.repeat(5_000)} ${SECRET} ${'ab'.repeat(2_500)}`;
    for (const secretLength of [64, 4_096, 16_384]) {
      // A multi-kilobyte secret such as an SSH key: base64-like, repeating pieces included.
      const key = Array.from({ length: secretLength }, (_, i) => 'ABCDEFGHab+/0123'[(i * 7 + (i >> 3)) % 16]).join('');
      const matcher = new SubstringMatcher([key, SECRET]);
      expect(matcher.size).toBeLessThanOrEqual(2 * (key.length + SECRET.length) + 1);
      const stats = { steps: 0 };
      matcher.ranges(text, MIN_SECRET_PIECE, stats);
      expect(stats.steps, `secret of ${secretLength}`).toBeLessThanOrEqual(2 * text.length);
    }
  });

  it('searches the text once per secret, not once per piece of each secret', () => {
    const key = 'K'.repeat(1).concat(Array.from({ length: 4_095 }, (_, i) => String.fromCharCode(48 + ((i * 31) % 75))).join(''));
    const includes = vi.spyOn(String.prototype, 'includes');
    const split = vi.spyOn(String.prototype, 'split');
    try {
      redactPieces(`error near ${key.slice(100, 300)} and ${SECRET.slice(0, 20)}`, [key, SECRET]);
      expect(includes.mock.calls.length + split.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      includes.mockRestore();
      split.mockRestore();
    }
  });

  it('takes out whole secrets and every piece of 8 characters or more, prefixes, suffixes and middles', () => {
    const text = `a ${SECRET} b ${SECRET.slice(0, 9)}| c ${SECRET.slice(-8)} d ${SECRET.slice(5, 25)} e ${SECRET.slice(0, 7)}`;
    expect(redactPieces(text, [SECRET])).toBe(`a [REDACTED] b [REDACTED]| c [REDACTED] d [REDACTED] e ${SECRET.slice(0, 7)}`);
  });
});

describe('security: every string built from server or handler text is redacted', () => {
  const env = { OPENAI_API_KEY: SECRET };

  it('quotes a malformed error answer only after redacting it, so the 200-character cut leaves no piece', async () => {
    for (const pad of [170, 180, 185, 190]) {
      await using codex = await startFake(
        { 'x/bad': [{ echo: { to: 'stdout', text: `{"id":$id,"error":{"message":"${'p'.repeat(pad)} $env.OPENAI_API_KEY"}}\n` } }] },
        { env },
      );
      const result = await settlement(codex.rawRequest('x/bad', {}));
      expect(result.error).toBeInstanceOf(InternalRpcError);
      expect(piecesIn((result.error as Error).message, SECRET), `pad ${pad}`).toEqual([]);
    }
  });

  it('walks a failed handler’s cause chain, nested and non-Error causes included', async () => {
    const causes: unknown[] = [
      new Error('outer', { cause: new Error(`middle`, { cause: new Error(`inner has ${SECRET}`) }) }),
      { response: { headers: { authorization: `Bearer ${SECRET}` } } },
      `a string cause with ${SECRET}`,
      Object.assign(new Error('an error with a member'), { config: { token: SECRET } }),
    ];
    const requests = causes.map((_, id) => ({
      request: { id, method: 'item/tool/requestUserInput', params: { threadId: 't', turnId: 'u', itemId: 'i', questions: [], isBlocking: true } },
    }));
    let next = 0;
    await using codex = await startFake({ 'x/go': [...requests, { reply: {} }] }, {
      env,
      onServerRequest: {
        'item/tool/requestUserInput': () => {
          throw causes[next++];
        },
      },
    });
    const errors: ProtocolError[] = [];
    codex.on('error', (error) => errors.push(error));
    await codex.rawRequest('x/go', {});
    await within(
      (async () => {
        while (errors.length < causes.length) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      5_000,
      'handler errors',
    );
    expect(errors.map((e) => e.kind)).toEqual(causes.map(() => 'handlerFailed'));
    for (const error of errors) {
      const texts: string[] = [];
      for (let cause: unknown = error; cause !== undefined; cause = cause instanceof Error ? cause.cause : undefined) {
        texts.push(typeof cause === 'string' ? cause : JSON.stringify(cause), cause instanceof Error ? `${cause.message} ${cause.stack} ${JSON.stringify({ ...cause })}` : '');
      }
      expect(piecesIn(texts.join('\n'), SECRET), error.message).toEqual([]);
    }
    // The chain is kept where it holds no secret: the outer causes are still there.
    expect(((errors[0]!.cause as Error).cause as Error).message).toBe('middle');
  });

  it('refuses an API key too short to be one (it could not be redacted without blanking out words)', async () => {
    await using codex = await startFake({});
    await expect(codex.loginApiKey('sk-1234')).rejects.toThrow(InvalidArgumentError);
    await expect(codex.loginApiKey('sk-1234')).rejects.toThrow(/apiKey: is too short to be an API key/);
  });
});

