/** The table (for people) and the JSON (for machines) of a review. */
import type { FileError, FileViolation, ReviewReport } from "./inputs";

function where(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}

/** One violation's two lines of the table. @public (the command loads this module lazily, with require) */
export function tableLines(v: FileViolation): string {
  return `${v.level.toUpperCase().padEnd(9)} ${v.rule.padEnd(22)} ${where(v.file, v.line)}  ${v.resource}${v.container ? `  container ${v.container}` : ""}\n          ${v.message}`;
}

/** The table's last lines: input errors, notes and the summary. @public (the command loads this module lazily, with require) */
export function tableTail(
  errors: readonly FileError[],
  notes: readonly string[],
  counts: { reviewed: number; mandatory: number; advisory: number },
): string[] {
  const lines: string[] = [];
  for (const e of errors) lines.push(`ERROR     ${where(e.file, e.line ?? null)}: ${e.message}`);
  for (const n of notes) lines.push(`note      ${n}`);
  lines.push(summaryLine({ ...counts, errors: errors.length }));
  return lines;
}

/** @public (the command loads this module lazily, with require) */
export function summaryLine(counts: { reviewed: number; mandatory: number; advisory: number; errors: number }): string {
  return `${counts.reviewed} workload(s) reviewed: ${counts.mandatory} mandatory and ${counts.advisory} advisory violation(s), ${counts.errors} input error(s).`;
}

export function formatTable(report: ReviewReport): string {
  const mandatory = report.violations.filter((v) => v.level === "mandatory").length;
  return [
    ...report.violations.map(tableLines),
    ...tableTail(report.errors, report.notes, {
      reviewed: report.reviewed,
      mandatory,
      advisory: report.violations.length - mandatory,
    }),
  ].join("\n");
}

/** `{"violations":[...],"errors":[...]}`; notes are not part of it (the CLI prints them on stderr). */
export function formatJson(report: ReviewReport): string {
  const violations = report.violations.map(
    ({ file, line, column, resource, container, rule, level, field, message }) => ({
      file,
      line,
      column,
      resource,
      container,
      rule,
      level,
      field,
      message,
    }),
  );
  return JSON.stringify({ violations, errors: report.errors }, null, 2);
}
