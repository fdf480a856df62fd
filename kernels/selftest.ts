/**
 * The in-image self-test (images/ebpf-workbench/ebpf-selftest) with the real fentry tracer on a
 * real kernel: the probe container comes from the sidecar the project renders with selfTest (the
 * placement where the self-test is on by default), its startupProbe's exec command runs as written,
 * under the confinement derived from that container's securityContext, in the same guest boot as
 * the kernel matrix. Which cases, what the model expects of each, the guest's command lines and
 * the judging of what the script printed live here. Pure module.
 */
import { Architecture, parseKernelRelease } from "../core/kernel";
import { addEbpfSidecar } from "../core/sidecar";
import { TRACER_BINARY_PATH } from "../core/workload";
import { FailureKind } from "../verification/failures";
import { ContainerSecurity, SeccompChoice, confinementOf } from "./confinement";
import { guestGeneratorPath } from "./goBuilds";
import { modelExpects } from "./matrix";
import type { RowOutput } from "./results";
import { shellQuote } from "./shell";

/** The rendered probe container's fields the guest reproduces. */
export interface SelftestContainer extends ContainerSecurity {
  name: string;
  env?: { name: string; value: string }[];
  startupProbe?: { exec?: { command?: string[] }; timeoutSeconds?: number };
}

/**
 * The workbench image's PATH (images/ebpf-workbench/Dockerfile: Go's directories before the base
 * image's PATH); a kubelet exec probe runs with the image's environment plus the container's env.
 */
export const IMAGE_PATH = "/usr/local/go/bin:/root/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What the script uses besides bash builtins (the image has them from coreutils and grep). */
export const SELFTEST_GUEST_TOOLS = ["bash", "timeout", "seq", "sleep", "uname", "grep", "env"] as const;

/** The probe container of a sidecar rendered for an fentry probe on this kernel, selfTest on (its default). */
export function renderedSelftestContainer(release: string, arch: Architecture): SelftestContainer {
  const pod = addEbpfSidecar(
    { containers: [{ name: "app", image: "registry.example/app:1" }] },
    {
      image: "registry.example/ebpf-workbench@sha256:" + "0".repeat(64),
      kubernetesVersion: "1.31",
      kernel: release,
      architecture: arch,
      probeKinds: ["fentry"],
      selfTest: true,
    },
  );
  // Kubernetes >= 1.29: a native sidecar, the first init container.
  return (pod.initContainers as SelftestContainer[])[0];
}

type SelftestVariant = "model" | `minus-${string}` | "tracer-missing";

interface SelftestExpectation {
  exit: "zero" | "non-zero";
  /** The kind in the script's `FAILED [<kind>]` line; null for success. */
  failureKind: FailureKind | null;
}

export interface SelftestCase {
  /** Unique within a kernel's boot (shares the @@row format with the matrix). */
  id: string;
  variant: SelftestVariant;
  grant: string[];
  noNewPrivs: boolean;
  seccomp: SeccompChoice;
  /** Whether the tracer is at its image path (tracer-missing moves it aside). */
  tracerPresent: boolean;
  /** The startupProbe's exec command, as the manifest has it. */
  command: string[];
  env: { name: string; value: string }[];
  /** The kubelet kills the probe after this (startupProbe.timeoutSeconds). */
  timeoutSeconds: number;
  expected: SelftestExpectation;
}

/**
 * The cases for one kernel: the rendered grant (exit 0 when the model says the event is seen),
 * the grant minus each capability (the model's failure: a refused bpf() or perf_event_open(),
 * which the script must name operation-not-permitted), and the image without its tracer.
 */
export function selftestCases(
  release: string,
  arch: Architecture,
  container: SelftestContainer = renderedSelftestContainer(release, arch),
): SelftestCase[] {
  const kernel = parseKernelRelease(release);
  if (!kernel) throw new Error(`kernel release ${JSON.stringify(release)} is not a uname -r release`);
  const command = container.startupProbe?.exec?.command;
  if (!command?.length)
    throw new Error(
      `container ${container.name}: no startupProbe exec command; expected the self-test (selfTest: true)`,
    );
  const model = confinementOf(container);
  const expectFor = (grant: string[]): SelftestExpectation =>
    modelExpects("fentry", kernel, arch, { grant, seccomp: model.seccomp, memlock: "default" }) === "event"
      ? { exit: "zero", failureKind: null }
      : { exit: "non-zero", failureKind: "operation-not-permitted" };
  const base = {
    noNewPrivs: model.noNewPrivs,
    seccomp: model.seccomp,
    command: [...command],
    env: container.env ?? [],
    timeoutSeconds: container.startupProbe?.timeoutSeconds ?? 1,
  };
  const one = (
    variant: SelftestVariant,
    grant: string[],
    tracerPresent: boolean,
    expected: SelftestExpectation,
  ): SelftestCase => ({
    id: `selftest/${variant}`,
    variant,
    grant,
    tracerPresent,
    expected,
    ...base,
  });
  return [
    one("model", model.capabilities, true, expectFor(model.capabilities)),
    ...model.capabilities.map((cap) => {
      const grant = model.capabilities.filter((c) => c !== cap);
      return one(`minus-${cap}`, grant, true, expectFor(grant));
    }),
    one("tracer-missing", model.capabilities, false, { exit: "non-zero", failureKind: "tracer-missing" }),
  ];
}

/**
 * The guest's lines for the cases (kernels/guest/matrix.sh `selftest`): containerd's profile for
 * each grant, then the probe command as the kubelet would exec it in the container: the image's
 * environment only, the container's confinement, killed at the probe's timeout.
 */
export function selftestCommand(cases: readonly SelftestCase[]): string {
  return cases
    .flatMap((c, i) => {
      const profile = `/tmp/selftest-seccomp-${i}.json`;
      const confine = [
        "confine",
        "-caps",
        c.grant.join(","),
        ...(c.noNewPrivs ? ["-nnp"] : []),
        ...(c.seccomp === "unconfined" ? [] : ["-seccomp", profile]),
        "--",
      ];
      const env = ["env", "-i", `PATH=${IMAGE_PATH}`, "HOME=/root", ...c.env.map((e) => `${e.name}=${e.value}`)];
      return [
        ...(c.seccomp === "unconfined"
          ? []
          : [`${shellQuote(guestGeneratorPath(c.seccomp))} ${shellQuote(c.grant.join(","))} > ${profile}`]),
        [
          "selftest",
          c.id,
          TRACER_BINARY_PATH,
          c.tracerPresent ? "1" : "0",
          "--",
          "timeout",
          "-s",
          "KILL",
          String(c.timeoutSeconds),
          ...env,
          ...confine,
          ...c.command,
        ]
          .map(shellQuote)
          .join(" ")
          .replace(/^'selftest'/, "selftest"),
      ];
    })
    .join("\n");
}

/** What the script's first line says: `acs-ebpf-selftest: OK ...` or `acs-ebpf-selftest: FAILED [<kind>] ...`. */
export function parseSelftestReport(output: string): {
  status: "ok" | "failed" | "unrecognized";
  failureKind: string | null;
  firstLine: string;
} {
  const firstLine =
    output
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  if (/^acs-ebpf-selftest: OK\b/.test(firstLine)) return { status: "ok", failureKind: null, firstLine };
  const failed = /^acs-ebpf-selftest: FAILED \[([a-z-]+)\]/.exec(firstLine);
  if (failed) return { status: "failed", failureKind: failed[1], firstLine };
  return { status: "unrecognized", failureKind: null, firstLine };
}

/** The `selftest` entries of `npm run kernels -- --json`. */
export interface SelftestResult {
  kernel: string;
  arch: Architecture;
  variant: SelftestVariant;
  grant: string[];
  seccomp: SeccompChoice;
  tracerPresent: boolean;
  command: string[];
  expected: SelftestExpectation;
  /** The script's exit status (137: killed at the probe's timeout); null when the guest reported nothing. */
  exitCode: number | null;
  failureKind: string | null;
  /** The script's first output line (what the kubelet shows in the pod's events). */
  firstLine: string;
  ok: boolean;
}

export function selftestResultOf(
  kernel: string,
  arch: Architecture,
  c: SelftestCase,
  output: RowOutput | undefined,
): SelftestResult {
  const report = output
    ? parseSelftestReport(output.stderr)
    : { status: "unrecognized" as const, failureKind: null, firstLine: "(the guest reported no result for this case)" };
  const exitCode = output ? output.exitCode : null;
  const ok =
    c.expected.exit === "zero"
      ? exitCode === 0 && report.status === "ok"
      : exitCode !== null &&
        exitCode !== 0 &&
        report.status === "failed" &&
        report.failureKind === c.expected.failureKind;
  return {
    kernel,
    arch,
    variant: c.variant,
    grant: c.grant,
    seccomp: c.seccomp,
    tracerPresent: c.tracerPresent,
    command: c.command,
    expected: c.expected,
    exitCode,
    failureKind: report.failureKind,
    firstLine: report.firstLine,
    ok,
  };
}

export function formatSelftest(results: readonly SelftestResult[]): string {
  if (results.length === 0) return "  (not run)";
  return results
    .map((r) => {
      const expected = r.expected.exit === "zero" ? "exit 0" : `exit !=0 [${r.expected.failureKind}]`;
      return `  ${r.kernel} ${r.variant.padEnd(18)} grant ${(r.grant.join(",") || "(none)").padEnd(26)} expected ${expected.padEnd(36)} exit ${r.exitCode ?? "-"} ${r.ok ? "ok" : "MISMATCH"}  ${r.firstLine.slice(0, 110)}`;
    })
    .join("\n");
}
