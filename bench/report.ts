/**
 * Shared by the benchmarks: simple statistics, and one machine-readable line per figure,
 *
 *   BENCH_RESULT {"metric":"…","value":1.23,"unit":"ms","target":"< 500 ms","pass":true}
 *
 * which bench/all.ts collects into its summary table (people read the lines around it).
 */

export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /** The target, as text ("< 500 ms"); absent for a figure that has none. */
  target?: string;
  pass?: boolean;
  /** A short note shown beside the figure (e.g. the range of rounds). */
  note?: string;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function report(result: BenchResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
export const mean = (xs: readonly number[]) => (xs.length ? sum(xs) / xs.length : Number.NaN);

/** The q-quantile (0…1) by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);
export const max = (xs: readonly number[]) => xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);

export const pct = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
