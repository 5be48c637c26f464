/**
 * The benchmark harness: interleaved rounds (A B A B ...), medians, ratios, and the shape every
 * benchmark reports in. Nothing here knows about Codex.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** One contender of a comparison. `run` performs one sample and returns the measured value. */
export interface Variant {
  readonly name: string;
  run(): Promise<number>;
}

export interface InterleaveOptions {
  /** Untimed rounds first (every variant once per round), to warm the JIT and the OS caches. */
  readonly warmup: number;
  /** Timed rounds wanted. */
  readonly rounds: number;
  /** Stop adding rounds once this much time has passed (at least `minRounds` are run). */
  readonly budgetMs: number;
  readonly minRounds?: number;
  /** Called after each sample, for progress output. */
  readonly onSample?: (variant: string, round: number, value: number) => void;
}

/**
 * Runs the variants in one process, interleaved: round r runs A, then B, then C... so that a
 * slow patch of a noisy machine hits every variant alike. Returns each variant's samples.
 */
export async function interleave(variants: readonly Variant[], options: InterleaveOptions): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < options.warmup; round++) {
    for (const variant of variants) await variant.run();
  }
  const started = performance.now();
  const minRounds = Math.min(options.minRounds ?? 3, options.rounds);
  for (let round = 0; round < options.rounds; round++) {
    if (round >= minRounds && performance.now() - started > options.budgetMs) break;
    for (const variant of variants) {
      const value = await variant.run();
      samples.get(variant.name)!.push(value);
      options.onSample?.(variant.name, round, value);
    }
  }
  return samples;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One line of a benchmark's table. Rows with a ratio compare to the first row of their benchmark. */
export interface Row {
  readonly label: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
  /** `median / baseline median`, with the baseline's label. */
  readonly ratio?: { readonly value: number; readonly to: string };
}

export interface Target {
  readonly description: string;
  readonly measured: string;
  readonly met: boolean;
}

/** What one benchmark reports. */
export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly rows: readonly Row[];
  readonly targets: readonly Target[];
  /** How it was measured, and anything a reader needs to read the numbers right. */
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export function row(label: string, unit: string, samples: readonly number[], baseline?: Row): Row {
  const base: Row = {
    label,
    unit,
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    samples,
  };
  return baseline === undefined ? base : { ...base, ratio: { value: base.median / baseline.median, to: baseline.label } };
}

export function target(description: string, measured: string, met: boolean): Target {
  return { description, measured, met };
}

/** Formats a number with at most `digits` significant decimals and thousands separators. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const decimals = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : digits;
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** The results as a Markdown table (also readable as plain text). */
export function formatTable(results: readonly BenchResult[]): string {
  const lines = ['| benchmark | variant | median | min | max | n | ratio to first row |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const result of results) {
    for (const r of result.rows) {
      const ratio = r.ratio === undefined ? '' : `${r.ratio.value.toFixed(3)}x`;
      lines.push(
        `| ${result.title} | ${r.label} | ${fmt(r.median)} ${r.unit} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.samples.length} | ${ratio} |`,
      );
    }
  }
  return lines.join('\n');
}

export function formatTargets(results: readonly BenchResult[]): string {
  const lines = ['| benchmark | target | measured | met |', '|---|---|---|---|'];
  for (const result of results) {
    for (const t of result.targets) lines.push(`| ${result.title} | ${t.description} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

/** Progress goes to stderr so stdout holds only the table and the JSON. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Elapsed milliseconds of `fn`. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** What the runner passes to every benchmark. */
export interface CaseOptions {
  /** A shorter run (fewer rounds, smaller budgets), for a quick look. */
  readonly quick: boolean;
}

/** A full garbage collection (twice, so that objects freed by finalizers go too). */
export function forceGc(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    // Not started with --expose-gc: turn the flag on now and fetch gc from a fresh context.
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

/** A ratio as printed everywhere: three decimals and an x. */
export function times(ratio: number): string {
  return `${ratio.toFixed(3)}x`;
}
