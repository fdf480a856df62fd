/**
 * What `npm run review` reads: files, folders (recursively: .yaml, .yml, .json) and `-` for
 * standard input (a multi-document stream as `helm template` or `kustomize build` prints it).
 * Each input is reviewed on its own: one that cannot be read or parsed is listed as an error and
 * every other one is still reviewed. Only one file's documents are in memory at a time.
 */
import * as fs from "fs";
import * as path from "path";
import { ReviewConfig, defaultConfig } from "../config";
import { Violation, reviewDocumentsInto, violationField, violationMessage } from "../review";
import { parseYamlStream } from "../yamlStream";

/** The path argument that means standard input. */
export const STDIN = "-";

export interface FileViolation extends Violation {
  file: string;
  /** 1-based line and column of the offending field (or its nearest written ancestor). */
  line: number | null;
  column: number | null;
  /** Index of its workload in the report's `workloads`. */
  workload: number;
}

/** An input that could not be read or parsed: a line of the report (bad arguments are core's InputError). */
export interface FileError {
  file: string;
  message: string;
  /** 1-based, when the parser says where. */
  line?: number;
}

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

const YAML_FILE = /\.(ya?ml|json)$/i;

function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "cannot read: no such file or directory";
  if (code === "EACCES") return "cannot read: permission denied";
  return `cannot read: ${(e as Error).message}`;
}

/** Files under the given paths: files as given, folders recursively, sorted. Bad entries are listed. */
function collectFiles(input: string, report: ReviewReport): string[] {
  if (input === STDIN) return [STDIN];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    report.errors.push({ file: input, message: readError(e) });
    return [];
  }
  if (stat.isFile()) return [input];
  if (!stat.isDirectory()) {
    // A FIFO or device would block or never end: not something a manifest lives in.
    report.errors.push({ file: input, message: "cannot read: not a regular file or folder" });
    return [];
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(input, { withFileTypes: true });
  } catch (e) {
    report.errors.push({ file: input, message: readError(e) });
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) files.push(...collectFiles(full, report));
    else if (YAML_FILE.test(entry.name)) files.push(...(entry.isFile() ? [full] : collectFiles(full, report)));
  }
  if (files.length === 0) report.notes.push(`${input}: no .yaml, .yml or .json files`);
  return files;
}

/** Reviews one input's text into the report. */
export function reviewText(file: string, text: string, config: ReviewConfig, report: ReviewReport): void {
  let stream;
  try {
    stream = parseYamlStream(text);
  } catch (e) {
    const line = (e as { mark?: { line?: number } }).mark?.line;
    report.errors.push({
      file,
      message: `not valid YAML: ${(e as Error).message}`,
      ...(typeof line === "number" ? { line: line + 1 } : {}),
    });
    return;
  }
  report.files.push(file);
  if (stream.documents.every((d) => d === null || d === undefined)) {
    report.notes.push(`${file}: empty, nothing to review`);
    return;
  }
  const firstWorkload = report.workloads.length;
  report.reviewed += reviewDocumentsInto(stream.documents, config, {
    workload: (resource) => report.workloads.push({ file, resource }),
    note: (n) => report.notes.push(`${file}: ${n}`),
    // Positions only for documents with violations: the events are already in memory.
    finding: (f, rule, level, resource, document, objectPath, workload) => {
      const field = violationField(f);
      const at = stream.locate(document, objectPath, field);
      report.violations.push({
        file,
        line: at?.line ?? null,
        column: at?.column ?? null,
        resource,
        container: f.container ?? null,
        rule,
        level,
        field,
        message: violationMessage(f, field),
        workload: firstWorkload + workload,
      });
    },
  });
}

export function reviewPaths(paths: readonly string[], options: ReviewInputOptions = {}): ReviewReport {
  const config = options.config ?? defaultConfig();
  const report: ReviewReport = { files: [], workloads: [], violations: [], errors: [], notes: [], reviewed: 0 };
  for (const input of paths) {
    for (const file of collectFiles(input, report)) {
      const name = file === STDIN ? (options.stdinName ?? "<stdin>") : file;
      let text: string;
      try {
        text =
          file === STDIN ? (options.readStdin ?? (() => fs.readFileSync(0, "utf8")))() : fs.readFileSync(file, "utf8");
      } catch (e) {
        report.errors.push({ file: name, message: readError(e) });
        continue;
      }
      reviewText(name, text, config, report);
    }
  }
  return report;
}

export function exitCode(report: Pick<ReviewReport, "violations" | "errors">): 0 | 1 | 2 {
  if (report.errors.length) return 2;
  return report.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}
