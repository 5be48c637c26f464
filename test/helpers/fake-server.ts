import { fileURLToPath } from 'node:url';
import { Codex, type CodexOptions } from '../../src/index.js';

const FAKE_SERVER = fileURLToPath(new URL('../fixtures/fake-app-server.mjs', import.meta.url));

/** What the fake app-server does per request method; see test/fixtures/fake-app-server.mjs. */
export type FakeScript = Record<string, unknown>;

/**
 * Starts a `Codex` client against the scripted fake app-server. Its scripted results are minimal
 * (`{ thread: { id } }`), so result validation is off unless a test turns it on
 * (test/unit/validation.test.ts does).
 */
export function startFake(script: FakeScript, options: CodexOptions = {}): Promise<Codex> {
  return Codex.start({
    launchArgs: [process.execPath, FAKE_SERVER, JSON.stringify(script)],
    onWarning: () => undefined,
    validateResults: false,
    ...options,
  });
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` passes or `ms` elapse; returns its last result. */
export async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
