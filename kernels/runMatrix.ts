/**
 * Runs the matrix rows of one kernel in one boot: the tracers, `confine` and one seccomp profile
 * per distinct (profile, capabilities) go into the overlay; the guest runs every row in turn.
 */
import * as fs from "fs";
import * as path from "path";
import { Architecture } from "../core/kernel";
import { SeccompChoice } from "./confinement";
import { GuestBinaries, guestGeneratorPath } from "./goBuilds";
import { PreparedKernel, bootGuest } from "./guest";
import { InitramfsEntry } from "./initramfs";
import { MatrixRow, PROBES } from "./matrix";
import { MatrixResult, parseRowOutputs, resultOf } from "./results";

const MATRIX_SCRIPT = path.join(__dirname, "guest", "matrix.sh");

/** kernel.perf_event_paranoid during the matrix: the upstream kernel's default. */
export const PERF_EVENT_PARANOID = 2;

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The guest command: one `row` call per matrix row (kernels/guest/matrix.sh). */
export function matrixCommand(rows: readonly MatrixRow[]): string {
  const calls = rows.map((r) => {
    const p = PROBES[r.probe];
    return [
      "row", r.id, r.grant.join(","), r.noNewPrivs ? "1" : "0", r.seccomp === "unconfined" ? "" : r.seccomp, r.memlock, p.trigger, "--", `/usr/local/bin/${p.example}`, ...p.args,
    ].map(shellQuote).join(" ").replace(/^'row'/, "row");
  });
  // The upstream default: Debian's kernels patch it to 3, where perf_event_open needs CAP_SYS_ADMIN
  // (README, capability model). The model covers nodes at the upstream default.
  return [". /guest/matrix.sh", `echo ${PERF_EVENT_PARANOID} > /proc/sys/kernel/perf_event_paranoid`, ...calls, ""].join("\n");
}

export async function runKernelMatrix(
  kernel: PreparedKernel,
  rows: readonly MatrixRow[],
  bins: GuestBinaries,
  workDir: string,
  log: (line: string) => void,
): Promise<MatrixResult[]> {
  const command = matrixCommand(rows);
  const examples = [...new Set(rows.map((r) => PROBES[r.probe].example))];
  const overlay: InitramfsEntry[] = [
    ...examples.map((e) => ({ path: `/usr/local/bin/${e}`, type: "file" as const, data: fs.readFileSync(bins.tracer(e)), mode: 0o755 })),
    { path: "/usr/local/bin/confine", type: "file", data: fs.readFileSync(bins.confine), mode: 0o755 },
    { path: "/guest/matrix.sh", type: "file", data: fs.readFileSync(MATRIX_SCRIPT) },
    ...[...new Set(rows.map((r) => r.seccomp))]
      .filter((c): c is Exclude<SeccompChoice, "unconfined"> => c !== "unconfined")
      .map((c) => ({ path: guestGeneratorPath(c), type: "file" as const, data: fs.readFileSync(bins.seccompGenerator(c)), mode: 0o755 })),
  ];
  const started = Date.now();
  const boot = await bootGuest({
    kernel,
    overlay,
    command,
    workDir,
    timeoutMs: 60_000 + rows.length * 30_000,
    onLine: (line) => {
      const m = /^@@(boot|row) (.*)$/.exec(line);
      if (m) log(`  ${kernel.package.release}: ${m[1]} ${m[2]}`);
    },
  });
  const bootLine = boot.lines.find((l) => l.startsWith("@@boot "));
  if (!bootLine) throw new Error(`kernel ${kernel.package.release} did not boot to init:\n${boot.lines.slice(-30).join("\n")}`);
  const release = bootLine.split(" ")[1];
  log(`  ${release}: ${rows.length} rows in ${((Date.now() - started) / 1000).toFixed(1)} s${boot.timedOut ? " (timed out)" : ""}`);
  const outputs = new Map(parseRowOutputs(boot.lines).map((o) => [o.id, o]));
  return rows.map((r) => resultOf(release, kernel.package.arch as Architecture, r, outputs.get(r.id)));
}
