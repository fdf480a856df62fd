/** What every benchmark reports, and how runs are timed (median of at least 5, baseline in the same run). */
import { performance } from "perf_hooks";

export const MIN_RUNS = 5;

export interface BenchResult {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  baseline_median_ms: number;
  /** median_ms / baseline_median_ms. */
  ratio: number;
  /** Target for ratio; null when the target is of another kind (see target). */
  target_ratio: number | null;
  met: boolean;
  /** What is measured, the baseline and the target, in words. */
  description: string;
  runs_ms: number[];
  baseline_runs_ms: number[];
  /** Extra figures (peak memory, counts) a result carries. */
  [extra: string]: unknown;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (ms: number, digits = 1) => Number(ms.toFixed(digits));

export async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs the measured function and its baseline alternately (so both see the same machine load),
 * `runs` times each after one warm-up of each, and compares the medians.
 */
export async function compare(
  name: string,
  description: string,
  measured: () => unknown | Promise<unknown>,
  baseline: () => unknown | Promise<unknown>,
  targetRatio: number,
  runs = MIN_RUNS,
): Promise<BenchResult> {
  await baseline();
  await measured();
  const m: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(await timeIt(baseline));
    m.push(await timeIt(measured));
  }
  return result(name, description, m, b, targetRatio);
}

export function result(
  name: string,
  description: string,
  runs: number[],
  baselineRuns: number[],
  targetRatio: number | null,
  met?: boolean,
): BenchResult {
  const med = median(runs);
  const base = median(baselineRuns);
  const ratio = base > 0 ? med / base : Infinity;
  return {
    name,
    median_ms: round(med),
    min_ms: round(Math.min(...runs)),
    max_ms: round(Math.max(...runs)),
    baseline_median_ms: round(base),
    ratio: round(ratio, 2),
    target_ratio: targetRatio,
    met: met ?? (targetRatio !== null && ratio <= targetRatio),
    description,
    runs_ms: runs.map((r) => round(r)),
    baseline_runs_ms: baselineRuns.map((r) => round(r)),
  };
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
