import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Codex } from '../../src/index.js';
import { ScriptedModel, reply } from '../../src/testing.js';
import { resolveCodexBinary } from '../../src/transport/binary.js';
import { TEST_CODEX_PATH } from '../helpers/scripted.js';

// `Codex.connect({ url: 'unix://' })` finds the managed daemon of a CODEX_HOME: the real
// `codex app-server daemon start`, in a throwaway home pointed at the scripted model.

const run = promisify(execFile);

/** Kills a pid, ignoring one that is already gone. */
function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** The pid in one of the daemon's pid files: JSON with a `pid` member on 0.171.0. */
async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  let pid: unknown;
  try {
    pid = (JSON.parse(text) as { pid?: unknown }).pid;
  } catch {
    pid = Number.parseInt(text.trim(), 10);
  }
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

describe('the app-server daemon', () => {
  it('bare unix:// with codexHome reaches the daemon of that home and runs a turn', { timeout: 120_000 }, async () => {
    await using model = await ScriptedModel.start();
    await using home = await model.createCodexHome();
    const codex = resolveCodexBinary(TEST_CODEX_PATH).command;
    const env = { ...process.env, CODEX_HOME: home.path };
    const daemon = (...args: string[]) => run(codex, ['app-server', 'daemon', ...args], { env, timeout: 60_000 });
    let serverPid: number | undefined;
    try {
      const started = JSON.parse((await daemon('start')).stdout) as { status: string; pid: number; socketPath: string };
      serverPid = started.pid;
      expect(started.status).toBe('started');
      expect(started.socketPath).toBe(path.join(home.path, 'app-server-control', 'app-server-control.sock'));

      model.enqueue(reply.message('answered by the daemon'));
      const client = await Codex.connect({ url: 'unix://', codexHome: home.path });
      try {
        const thread = await client.threadStart();
        const result = await thread.run('hello, daemon');
        expect(result.finalResponse).toBe('answered by the daemon');
        expect(model.requests).toHaveLength(1);
      } finally {
        await client.close();
      }
    } finally {
      await daemon('stop').catch(() => undefined);
      // `daemon stop` leaves its pid-update-loop helper running: stop it and anything left.
      const updater = await readPid(path.join(home.path, 'app-server-daemon', 'daemon-updater.pid'));
      for (const pid of [updater, serverPid]) if (pid !== undefined) kill(pid);
      expect(updater, 'the daemon-updater pid file').toBeDefined();
    }
  });
});
