import { readdirSync, readFileSync } from 'node:fs';
import { liveChildCount } from '../../src/transport/child-registry.js';
import { eventually } from './fake-server.js';

// Counting what a client can leak: processes, file descriptors, process listeners, warnings.
// Linux only (reads /proc), like the machines this suite runs on.

/** One process as /proc describes it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** `R`, `S`, `Z` (zombie), ... */
  readonly state: string;
  readonly cmdline: string;
}

/** Reads /proc/PID, or undefined once the process is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      // Gone in between, or a kernel thread.
    }
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? '?', cmdline };
  } catch {
    return undefined;
  }
}

/** Every process on the machine. */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** Children, grandchildren, ... of `root`, as they are now. */
export function descendantsOf(root: number, processes: readonly ProcInfo[] = allProcesses()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const info of processes) {
    const siblings = byParent.get(info.ppid);
    if (siblings === undefined) byParent.set(info.ppid, [info]);
    else siblings.push(info);
  }
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** True while the process exists and is not a zombie (a zombie has exited; only its entry is left). */
export function isRunning(pid: number): boolean {
  const info = procInfo(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Processes that are still running out of `pids`. */
export function survivors(pids: Iterable<number>): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of pids) {
    const info = procInfo(pid);
    if (info !== undefined && info.state !== 'Z') out.push(info);
  }
  return out;
}

/** This process's running descendants: after every client is closed there should be none. */
export function ownDescendants(): ProcInfo[] {
  return descendantsOf(process.pid).filter((info) => info.state !== 'Z');
}

/** Open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

const WATCHED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'warning'] as const;

/** Listener counts on `process` for the events a client could hook. */
export function processListenerCounts(): Record<string, number> {
  return Object.fromEntries(WATCHED_EVENTS.map((event) => [event, process.listenerCount(event)]));
}

export interface ResourceSnapshot {
  readonly fds: number;
  readonly listeners: Record<string, number>;
  readonly liveChildren: number;
  readonly descendants: number;
}

export function snapshotResources(): ResourceSnapshot {
  return {
    fds: openFdCount(),
    listeners: processListenerCounts(),
    liveChildren: liveChildCount(),
    descendants: ownDescendants().length,
  };
}

/** What grew between two snapshots (positive numbers are leaks). */
export interface ResourceGrowth {
  readonly fds: number;
  readonly listeners: number;
  readonly liveChildren: number;
  readonly descendants: number;
}

function growth(before: ResourceSnapshot, after: ResourceSnapshot): ResourceGrowth {
  let listeners = 0;
  for (const [event, count] of Object.entries(after.listeners)) listeners += Math.max(0, count - (before.listeners[event] ?? 0));
  return {
    fds: after.fds - before.fds,
    listeners,
    liveChildren: after.liveChildren - before.liveChildren,
    descendants: after.descendants - before.descendants,
  };
}

/**
 * Waits (up to `ms`) for every count to come back to `before`: sockets and pipes of exited
 * processes close a few event-loop turns after the exit. Returns the growth that remains.
 */
export async function settledGrowth(before: ResourceSnapshot, ms = 5_000): Promise<ResourceGrowth> {
  let last = growth(before, snapshotResources());
  const clean = (g: ResourceGrowth): boolean => g.fds <= 0 && g.listeners <= 0 && g.liveChildren <= 0 && g.descendants <= 0;
  await eventually(() => clean((last = growth(before, snapshotResources()))), ms);
  return last;
}

/** Collects process warnings (MaxListenersExceededWarning among them) until `stop()`. */
export function captureWarnings(): { readonly warnings: Error[]; stop(): void } {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('warning', onWarning);
  return { warnings, stop: () => void process.off('warning', onWarning) };
}
