/**
 * What `acs-ebpf-review` reads, as a report held in memory: files, folders (recursively: .yaml,
 * .yml, .json) and `-` for standard input (a multi-document stream as `helm template` or `kustomize
 * build` prints it). Each input is reviewed on its own: one that cannot be read or parsed is listed
 * as an error and every other one is still reviewed. The command itself writes as it reviews
 * (./writers.ts); this report is for callers that want the whole result as data.
 */
import { ReviewConfig, defaultConfig } from "../config";
import { BATCH_CHARACTERS, FileError, FileViolation, ReportSink, STDIN, reviewChunks, reviewInputs } from "./stream";

export { STDIN };
export type { FileError, FileViolation };

export interface ReviewReport {
  /** Inputs whose documents were reviewed, in order (including ones with no workload). */
  files: string[];
  /** Every workload reviewed (List items one by one). */
  workloads: { file: string; resource: string }[];
  violations: FileViolation[];
  errors: FileError[];
  notes: string[];
  reviewed: number;
}

export interface ReviewInputOptions {
  config?: ReviewConfig;
  /** Reads standard input; default fd 0. */
  readStdin?: () => string;
  /** The name `-` is reported under; default `<stdin>`. */
  stdinName?: string;
}

export function emptyReport(): ReviewReport {
  return { files: [], workloads: [], violations: [], errors: [], notes: [], reviewed: 0 };
}

/** A sink that keeps everything in the report. */
export function collectInto(report: ReviewReport): ReportSink {
  return {
    file: (file) => report.files.push(file),
    workload: (file, resource) => report.workloads.push({ file, resource }),
    violation: (v) => report.violations.push(v),
    error: (e) => report.errors.push(e),
    note: (n) => report.notes.push(n),
  };
}

/** Reviews one input's text into the report (`batchCharacters`: see BATCH_CHARACTERS). */
export function reviewText(
  file: string,
  text: string,
  config: ReviewConfig,
  report: ReviewReport,
  batchCharacters?: number,
): void {
  const counter = { workloads: report.workloads.length, reviewed: 0 };
  // In slices, as a file is read: the text is reviewed batch by batch, as the command does.
  const slice = Math.max(1, Math.floor((batchCharacters ?? BATCH_CHARACTERS) / 2));
  let at = 0;
  const next = () => (at >= text.length && at > 0 ? null : text.slice(at, (at = Math.max(at + slice, 1))));
  reviewChunks(file, next, config, collectInto(report), counter, batchCharacters);
  report.reviewed += counter.reviewed;
}

export function reviewPaths(paths: readonly string[], options: ReviewInputOptions = {}): ReviewReport {
  const report = emptyReport();
  report.reviewed = reviewInputs(paths, { ...options, config: options.config ?? defaultConfig() }, collectInto(report));
  return report;
}

export function exitCode(report: Pick<ReviewReport, "violations" | "errors">): 0 | 1 | 2 {
  if (report.errors.length) return 2;
  return report.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}
