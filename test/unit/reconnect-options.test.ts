import { describe, expect, it } from 'vitest';
import { Codex, InvalidArgumentError } from '../../src/index.js';

// Bad `reconnect` options are refused before anything is dialed (nothing listens on port 1).

describe('Codex.connect({ reconnect })', () => {
  it.each([
    ['yes', /Invalid reconnect: must be a boolean or an object/],
    [{ retries: -1 }, /Invalid reconnect\.retries: must be an integer, 0 or more/],
    [{ retries: 1.5 }, /reconnect\.retries/],
    [{ minDelayMs: 'fast' }, /Invalid reconnect\.minDelayMs: must be a number/],
    [{ maxDelayMs: Number.NaN }, /reconnect\.maxDelayMs/],
  ])('refuses %j with InvalidArgumentError', async (reconnect, message) => {
    const error = await Codex.connect({ url: 'ws://127.0.0.1:1', reconnect: reconnect as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
  });
});
