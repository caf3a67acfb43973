/** Timing helpers for the benchmarks: medians and ratios, never single runs (machines are shared and noisy). */

/** Adds a row to the benchmark's table: the measure, then its figures. */
export type Report = (...cells: string[]) => void;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/**
 * Runs the candidate and the baseline alternately, so that both see the same machine load,
 * and returns the samples of each.
 */
export async function interleaved(
  rounds: number,
  candidate: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
  options: { warmup?: number } = {},
): Promise<{ candidate: number[]; baseline: number[] }> {
  for (let i = 0; i < (options.warmup ?? 3); i++) {
    await candidate();
    await baseline();
  }
  const samples = { candidate: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      samples.candidate.push(await timed(candidate));
      samples.baseline.push(await timed(baseline));
    } else {
      samples.baseline.push(await timed(baseline));
      samples.candidate.push(await timed(candidate));
    }
  }
  return samples;
}

export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** "median (min–max, n=…)": every figure of the benchmark is reported so. */
export function spread(values: readonly number[], format: (value: number) => string = ms): string {
  if (values.length === 0) return 'n=0';
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 1) return `${format(sorted[0]!)} (n=1)`;
  return `${format(median(sorted))} (${format(sorted[0]!)}–${format(sorted.at(-1)!)}, n=${sorted.length})`;
}

export function mb(value: number): string {
  return `${value.toFixed(0)} MB`;
}

export function count(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
