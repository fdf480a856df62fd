/**
 * The matrix's results: reading the guest's console (@@row blocks), naming each failure with the
 * verification's own classifier, and printing the table or the JSON of `npm run kernels`. Pure.
 */
import { Architecture } from "../core/kernel";
import { FailureKind, classifyTracerExit } from "../verification/failures";
import { SeccompChoice } from "./confinement";
import { MatrixRow, Memlock, Outcome, PROBES, ProbeName } from "./matrix";
import type { VerifyOutcome } from "./verifyInGuest";

/** One row as the guest reported it. */
export interface RowOutput {
  id: string;
  exitCode: number;
  stderr: string;
}

/** The `--json` schema of `npm run kernels` (one entry per row). */
export interface MatrixResult {
  kernel: string;
  arch: Architecture;
  probe: ProbeName;
  grant: string[];
  seccomp: SeccompChoice;
  memlock: Memlock;
  expected: Outcome;
  outcome: Outcome;
  failureKind: FailureKind | null;
  stderr: string;
}

/** The @@row ID STATUS / base64 lines / @@end ID blocks of a console. */
export function parseRowOutputs(lines: readonly string[]): RowOutput[] {
  const out: RowOutput[] = [];
  let current: { id: string; exitCode: number; b64: string[] } | undefined;
  for (const line of lines) {
    const start = /^@@row (\S+) (\d+)\s*$/.exec(line);
    if (start) {
      current = { id: start[1], exitCode: Number(start[2]), b64: [] };
      continue;
    }
    if (current && line.trim() === `@@end ${current.id}`) {
      out.push({
        id: current.id,
        exitCode: current.exitCode,
        stderr: Buffer.from(current.b64.join(""), "base64").toString("utf8"),
      });
      current = undefined;
      continue;
    }
    if (current) current.b64.push(line.trim());
  }
  return out;
}

/** The tracer's last non-empty stderr line without the log timestamp. */
export function lastLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  return (lines[lines.length - 1] ?? "").replace(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /, "").trim();
}

export function resultOf(
  kernel: string,
  arch: Architecture,
  row: MatrixRow,
  output: RowOutput | undefined,
): MatrixResult {
  const stderr = output?.stderr ?? "";
  const outcome: Outcome = output && PROBES[row.probe].sawEvent(stderr) ? "event" : "failure";
  return {
    kernel,
    arch,
    probe: row.probe,
    grant: row.grant,
    seccomp: row.seccomp,
    memlock: row.memlock,
    expected: row.expected,
    outcome,
    failureKind:
      outcome === "failure" ? classifyTracerExit({ stderr: stderr.split("\n"), exitCode: output?.exitCode }) : null,
    stderr: output ? lastLine(stderr) : "(the guest reported no result for this row)",
  };
}

export function allMatch(results: readonly MatrixResult[]): boolean {
  return results.length > 0 && results.every((r) => r.expected === r.outcome);
}

export function formatTable(results: readonly MatrixResult[]): string {
  const header = ["kernel", "probe", "grant", "seccomp", "memlock", "expected", "outcome", "failure", "ok"];
  const rows = results.map((r) => [
    r.kernel,
    r.probe,
    r.grant.length > 8
      ? `${r.grant.length} caps incl. ${r.grant.filter((c) => ["SYS_ADMIN", "BPF", "PERFMON"].includes(c)).join(",")}`
      : r.grant.join(",") || "(none)",
    r.seccomp,
    r.memlock,
    r.expected,
    r.outcome,
    r.failureKind ?? "",
    r.expected === r.outcome ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

export function formatVerify(outcomes: readonly VerifyOutcome[]): string {
  if (outcomes.length === 0) return "  (not run)";
  return outcomes
    .map(
      (v) =>
        `  ${v.kernel} ${v.variant.padEnd(14)} grant ${v.grant.join(",").padEnd(26)} ${v.verified ? "verified" : "NOT verified"}` +
        `${v.matchedEvent ? ` (${v.matchedEvent})` : ""} excess [${v.excess.join(",")}]` +
        `${v.necessary ? ` necessary [${v.necessary.join(",")}]` : ""}${v.failure ? ` failure ${v.failure}` : ""} ${v.ok ? "ok" : "MISMATCH"}`,
    )
    .join("\n");
}
