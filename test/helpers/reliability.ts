import { appendFileSync } from 'node:fs';
import os from 'node:os';

// Small tools for the reliability suite (test/reliability/): running work in lanes, bounding
// every wait, and recording the figures RELIABILITY.md reports.

/**
 * Runs `count` jobs, at most `lanes` at once. Each lane gets its index, so a lane can own
 * its own server; jobs of one lane run one after another.
 */
export async function inLanes<T>(count: number, lanes: number, job: (index: number, lane: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async (_, lane) => {
      for (let index = next++; index < count; index = next++) results[index] = await job(index, lane);
    }),
  );
  return results;
}

/** Thrown by `within` when the work did not settle in time: the hang this suite looks for. */
export class HangError extends Error {}

/** Settles like `promise`, or rejects with `HangError` naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How a promise settled, and when (performance.now()). */
export interface Settlement<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: unknown;
  readonly at: number;
}

/** Records when and how `promise` settles; never rejects. */
export function settlement<T>(promise: Promise<T>): Promise<Settlement<T>> {
  return promise.then(
    (value) => ({ ok: true, value, at: performance.now() }),
    (error: unknown) => ({ ok: false, error, at: performance.now() }),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A seeded pseudo-random generator (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `RELIABILITY_SEED` if set, else a fresh one (printed on failure by the tests). */
export function runSeed(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

export function maxOf(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => Math.max(a, b), -Infinity);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Counts occurrences of each key. */
export function tally(keys: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = (out[key] ?? 0) + 1;
  return out;
}

/**
 * Records the figures of one scenario. With `RELIABILITY_REPORT=<file>` they are appended to
 * that file as one JSON line each (the source of RELIABILITY.md's numbers); without it, nothing
 * is written and the suite stays quiet.
 */
export function recordFigures(scenario: string, figures: Record<string, unknown>): void {
  const file = process.env.RELIABILITY_REPORT;
  if (!file) return;
  const line = { scenario, at: new Date().toISOString(), node: process.version, cpus: os.availableParallelism(), ...figures };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
