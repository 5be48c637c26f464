import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

describe('examples', () => {
  it('quickstart streams a turn and runs a follow-up, offline', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts', 'Hello?'], {
      cwd: root,
      env: { ...process.env, CODEX_DEMO_LIVE: '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/codex app-server 0\.169\.0 \(pid \d+\)/);
    expect(stdout).toContain('> Hello?');
    expect(stdout).toContain('Hello! I am a scripted stand-in for the model');
    expect(stdout).toContain('[turn completed, 2 items]');
    expect(stdout).toContain('Bonjour ! Je suis un modèle scripté.');
  });
});
