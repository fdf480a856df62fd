/**
 * Runs the matrix rows of one kernel in one boot: the tracers, `confine` and one seccomp profile
 * per distinct (profile, capabilities) go into the overlay; the guest runs every row in turn, then
 * the self-test cases (kernels/selftest.ts) when there are any.
 */
import * as fs from "fs";
import * as path from "path";
import { Architecture } from "../core/kernel";
import { SeccompChoice } from "./confinement";
import { shellQuote } from "./shell";
import { GuestBinaries, guestGeneratorPath } from "./goBuilds";
import { PreparedKernel, bootGuest, hostTools } from "./guest";
import { InitramfsEntry } from "./initramfs";
import { MatrixRow, PROBES } from "./matrix";
import { MatrixResult, parseRowOutputs, resultOf } from "./results";
import { SELFTEST_GUEST_TOOLS, SelftestCase, SelftestResult, selftestCommand, selftestResultOf } from "./selftest";
import { SELFTEST_PATH, TRACER_BINARY_PATH } from "../core/workload";
import { SELFTEST_SCRIPT_FILE } from "../verification/selftestScript";

const MATRIX_SCRIPT = path.join(__dirname, "guest", "matrix.sh");

/** kernel.perf_event_paranoid during the matrix: the upstream kernel's default. */
const PERF_EVENT_PARANOID = 2;

/** The guest command: one `row` call per matrix row (kernels/guest/matrix.sh). */
export function matrixCommand(rows: readonly MatrixRow[]): string {
  const calls = rows.map((r) => {
    const p = PROBES[r.probe];
    return [
      "row",
      r.id,
      r.grant.join(","),
      r.noNewPrivs ? "1" : "0",
      r.seccomp === "unconfined" ? "" : r.seccomp,
      r.memlock,
      p.trigger,
      "--",
      `/usr/local/bin/${p.example}`,
      ...p.args,
    ]
      .map(shellQuote)
      .join(" ")
      .replace(/^'row'/, "row");
  });
  // The upstream default: Debian's kernels patch it to 3, where perf_event_open needs CAP_SYS_ADMIN
  // (docs/capability-model.md). The model covers nodes at the upstream default.
  return [
    ". /guest/matrix.sh",
    `echo ${PERF_EVENT_PARANOID} > /proc/sys/kernel/perf_event_paranoid`,
    ...calls,
    "",
  ].join("\n");
}

export async function runKernelMatrix(
  kernel: PreparedKernel,
  rows: readonly MatrixRow[],
  bins: GuestBinaries,
  workDir: string,
  log: (line: string) => void,
  selftests: readonly SelftestCase[] = [],
): Promise<{ results: MatrixResult[]; selftest: SelftestResult[] }> {
  const command = matrixCommand(rows) + (selftests.length ? `${SELFTEST_SETUP}\n${selftestCommand(selftests)}\n` : "");
  const examples = [...new Set(rows.map((r) => PROBES[r.probe].example))];
  const overlay: InitramfsEntry[] = [
    ...examples.map((e) => ({
      path: `/usr/local/bin/${e}`,
      type: "file" as const,
      data: fs.readFileSync(bins.tracer(e)),
      mode: 0o755,
    })),
    { path: "/usr/local/bin/confine", type: "file", data: fs.readFileSync(bins.confine), mode: 0o755 },
    { path: "/guest/matrix.sh", type: "file", data: fs.readFileSync(MATRIX_SCRIPT) },
    ...(selftests.length ? selftestOverlay(bins) : []),
    ...[...new Set([...rows, ...selftests].map((r) => r.seccomp))]
      .filter((c): c is Exclude<SeccompChoice, "unconfined"> => c !== "unconfined")
      .map((c) => ({
        path: guestGeneratorPath(c),
        type: "file" as const,
        data: fs.readFileSync(bins.seccompGenerator(c)),
        mode: 0o755,
      })),
  ];
  const started = Date.now();
  const boot = await bootGuest({
    kernel,
    overlay,
    command,
    workDir,
    timeoutMs: 60_000 + rows.length * 30_000 + selftests.reduce((t, c) => t + c.timeoutSeconds * 1000 + 15_000, 0),
    onLine: (line) => {
      const m = /^@@(boot|row) (.*)$/.exec(line);
      if (m) log(`  ${kernel.package.release}: ${m[1]} ${m[2]}`);
    },
  });
  const bootLine = boot.lines.find((l) => l.startsWith("@@boot "));
  if (!bootLine)
    throw new Error(`kernel ${kernel.package.release} did not boot to init:\n${boot.lines.slice(-30).join("\n")}`);
  const release = bootLine.split(" ")[1];
  log(
    `  ${release}: ${rows.length} rows${selftests.length ? ` and ${selftests.length} self-test cases` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s${boot.timedOut ? " (timed out)" : ""}`,
  );
  const outputs = new Map(parseRowOutputs(boot.lines).map((o) => [o.id, o]));
  const arch = kernel.package.arch as Architecture;
  return {
    results: rows.map((r) => resultOf(release, arch, r, outputs.get(r.id))),
    selftest: selftests.map((c) => selftestResultOf(release, arch, c, outputs.get(c.id))),
  };
}

/**
 * A container's /dev as runc sets it up: bash's process substitution (the script's) needs /dev/fd,
 * which devtmpfs lacks.
 */
const SELFTEST_SETUP = "ln -sf /proc/self/fd /dev/fd";

/** The workbench image's files the self-test uses: the script, the tracer at its path, bash, coreutils, grep. */
function selftestOverlay(bins: GuestBinaries): InitramfsEntry[] {
  return [
    { path: SELFTEST_PATH, type: "file", data: fs.readFileSync(SELFTEST_SCRIPT_FILE), mode: 0o755 },
    { path: TRACER_BINARY_PATH, type: "file", data: fs.readFileSync(bins.tracer(PROBES.fentry.example)), mode: 0o755 },
    ...hostTools(SELFTEST_GUEST_TOOLS),
    // The script's #!/bin/bash (the image's /bin is /usr/bin); busybox --install leaves it alone.
    { path: "/bin/bash", type: "symlink", target: "/usr/bin/bash" },
  ];
}
