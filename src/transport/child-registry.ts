import type { ChildProcess } from 'node:child_process';

/**
 * App-server processes that are still running. If the host process exits without closing its
 * clients, they are killed on the way out, so no `codex` process outlives its parent.
 * One listener serves every client, so many clients never trip MaxListenersExceededWarning.
 */
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

export function trackChild(child: ChildProcess): void {
  live.add(child);
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
}

export function untrackChild(child: ChildProcess): void {
  live.delete(child);
  if (live.size === 0 && hooked) {
    hooked = false;
    process.removeListener('exit', killAll);
  }
}

/** How many app-server processes this module has started that have not exited yet. */
export function liveChildCount(): number {
  return live.size;
}
