/** The table (for people) and the JSON (for machines) of a review. */
import type { ReviewReport } from "./inputs";

function where(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}

export function formatTable(report: ReviewReport): string {
  const lines: string[] = [];
  for (const v of report.violations) {
    lines.push(
      `${v.level.toUpperCase().padEnd(9)} ${v.rule.padEnd(22)} ${where(v.file, v.line)}  ${v.resource}${v.container ? `  container ${v.container}` : ""}`,
    );
    lines.push(`          ${v.message}`);
  }
  for (const e of report.errors) lines.push(`ERROR     ${where(e.file, e.line ?? null)}: ${e.message}`);
  for (const n of report.notes) lines.push(`note      ${n}`);
  const mandatory = report.violations.filter((v) => v.level === "mandatory").length;
  lines.push(
    `${report.reviewed} workload(s) reviewed: ${mandatory} mandatory and ${report.violations.length - mandatory} advisory violation(s), ${report.errors.length} input error(s).`,
  );
  return lines.join("\n");
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
