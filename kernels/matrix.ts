/**
 * The kernel matrix: which rows to run on a kernel, what the capability model expects of each,
 * and whether a tracer's stderr shows its event. Every row's confinement comes from the project's
 * own rendered Deployment (core/manifests.ts through kernels/confinement.ts); the expectation is
 * the model's claim (core/capabilities.ts). Pure module.
 */
import {
  ProbeKind,
  minimumKernelFor,
  needsMemlockRaise,
  normalizeCapability,
  requiredCapabilities,
} from "../core/capabilities";
import { Architecture, KernelVersion, kernelAtLeast, parseKernelRelease } from "../core/kernel";
import { deploymentManifest } from "../core/manifests";
import { resolveWorkload } from "../core/workloadOptions";
import { parseTraceOutput } from "../verification/traceOutput";
import { Confinement, ContainerSecurity, SeccompChoice, confinementOf } from "./confinement";

/** The cilium/ebpf examples the matrix runs, one per probe kind of the model. */
export type ProbeName = "fentry" | "kprobe" | "tracepoint" | "xdp" | "tcx";

export interface Probe {
  name: ProbeName;
  /** The model's probe kind this example exercises. */
  kind: ProbeKind;
  /** cilium/ebpf examples/<example>, built by kernels/go. */
  example: string;
  args: string[];
  /**
   * Calls rlimit.RemoveMemlock(), the reason for SYS_RESOURCE before 5.11. The xdp and tcx examples
   * do not, and their maps fit the default RLIMIT_MEMLOCK: they need no SYS_RESOURCE there (measured
   * on 5.10). The model still grants it for those kinds, for loaders that raise the limit.
   */
  raisesMemlock: boolean;
  /** Kernels before this lack the program's attach type (tcx: 6.6). */
  minimumKernel?: string;
  /** What makes the program fire in the guest, as a busybox shell command. */
  trigger: string;
  /** Whether the tracer's stderr shows at least one event. */
  sawEvent(stderr: string): boolean;
}

const LOOPBACK_CONNECT = "nc -w 1 127.0.0.1 9 </dev/null; nc -w 1 127.0.0.1 9 </dev/null";
const count = (re: RegExp) => (stderr: string) => [...stderr.matchAll(re)].some((m) => Number(m[1]) > 0);

export const PROBES: Readonly<Record<ProbeName, Probe>> = {
  fentry: {
    name: "fentry",
    kind: "fentry",
    raisesMemlock: true,
    example: "fentry",
    args: [],
    trigger: LOOPBACK_CONNECT,
    sawEvent: (stderr) => parseTraceOutput(stderr).events.some((e) => e.dstAddr === "127.0.0.1"),
  },
  kprobe: {
    name: "kprobe",
    kind: "kprobe",
    raisesMemlock: true,
    example: "kprobe",
    args: [],
    trigger: "/bin/true; /bin/true",
    sawEvent: count(/sys_execve called (\d+) times/g),
  },
  tracepoint: {
    name: "tracepoint",
    kind: "tracepoint",
    raisesMemlock: true,
    example: "tracepoint_in_go",
    args: [],
    trigger: "cat /proc/version >/dev/null",
    sawEvent: (stderr) => /\bRecord: /.test(stderr),
  },
  xdp: {
    name: "xdp",
    kind: "xdp",
    raisesMemlock: false,
    example: "xdp",
    args: ["lo"],
    trigger: LOOPBACK_CONNECT,
    sawEvent: count(/\t127\.0\.0\.1 => (\d+)/g),
  },
  tcx: {
    name: "tcx",
    kind: "tc",
    raisesMemlock: false,
    example: "tcx",
    args: ["lo"],
    minimumKernel: "6.6",
    trigger: LOOPBACK_CONNECT,
    sawEvent: count(/Packet Count:\s+(\d+) Ingress/g),
  },
};
export const PROBE_NAMES = Object.keys(PROBES) as ProbeName[];

export type Outcome = "event" | "failure";
export type Memlock = "default" | "unlimited";

/** One run of one tracer under one confinement. */
export interface MatrixRow {
  /** Unique within a kernel: `<probe>/<variant>`. */
  id: string;
  probe: ProbeName;
  /** Why this row exists: model, minus-<CAP>, none, vendor-demo, memlock-raised, containerd-1.6.8. */
  variant: string;
  grant: string[];
  noNewPrivs: boolean;
  seccomp: SeccompChoice;
  memlock: Memlock;
  expected: Outcome;
}

/** The container of the Deployment `render` would produce for this probe kind and kernel. */
export function renderedContainer(
  kind: ProbeKind,
  kernel: KernelVersion,
  arch: Architecture,
  capabilityProfile = "least-privilege",
  options: { kernel?: string; minimizeCapabilities?: boolean } = {},
): ContainerSecurity {
  const workload = resolveWorkload({
    name: "kernel-matrix",
    namespace: "kernel-matrix",
    probeKinds: [kind],
    kernel: kernel.release,
    architecture: arch,
    capabilityProfile,
    ...options,
  });
  const deployment = deploymentManifest(workload, { image: "ebpf-workbench", imagePullPolicy: "IfNotPresent" });
  // `render` output: plain values throughout (Pulumi Inputs only when a component passes them).
  const plain = deployment as unknown as { spec: { template: { spec: { containers: ContainerSecurity[] } } } };
  return plain.spec.template.spec.containers[0];
}

/**
 * What the model claims for a confinement: the event when the kernel is at least the kind's
 * minimum, every capability the kind needs on it is there (SYS_ADMIN stands in for BPF and
 * PERFMON: NOT_NEEDED_REASONS.SYS_ADMIN; SYS_RESOURCE only for a program that still has to raise
 * RLIMIT_MEMLOCK), and the seccomp profile lets bpf() through (containerd <= 1.6.8: only with SYS_ADMIN).
 */
export function modelExpects(
  kind: ProbeKind,
  kernel: KernelVersion,
  arch: Architecture,
  c: { grant: readonly string[]; seccomp: SeccompChoice; memlock: Memlock },
  raisesMemlock = true,
): Outcome {
  if (!kernelAtLeast(kernel, minimumKernelFor([kind], arch))) return "failure";
  const granted = new Set(c.grant.map(normalizeCapability));
  const memlockRaised = c.memlock === "unlimited" || !raisesMemlock;
  const required = requiredCapabilities([kind], kernel).filter((r) => !(r === "SYS_RESOURCE" && memlockRaised));
  const has = (cap: string) => granted.has(cap) || ((cap === "BPF" || cap === "PERFMON") && granted.has("SYS_ADMIN"));
  const seccompAllowsBpf = c.seccomp !== "containerd-1.6.8" || granted.has("SYS_ADMIN");
  return required.every(has) && seccompAllowsBpf ? "event" : "failure";
}

/** Probes that exist on this kernel (tcx needs 6.6). */
export function probesFor(kernel: KernelVersion, wanted: readonly ProbeName[] = PROBE_NAMES): ProbeName[] {
  return wanted.filter((p) => !PROBES[p].minimumKernel || kernelAtLeast(kernel, PROBES[p].minimumKernel!));
}

/**
 * Every row for one probe on one kernel. Below the probe kind's minimum kernel (arm64 fentry before
 * 6.4) the model plans nothing for the kernel: one row shows what a Deployment rendered for an
 * unknown kernel gets there.
 */
export function matrixRows(probe: ProbeName, release: string, arch: Architecture): MatrixRow[] {
  const kernel = parseKernelRelease(release);
  if (!kernel) throw new Error(`kernel release ${JSON.stringify(release)} is not a uname -r release`);
  const { kind } = PROBES[probe];
  const row = (variant: string, c: Confinement, memlock: Memlock = "default"): MatrixRow => ({
    id: `${probe}/${variant}`,
    probe,
    variant,
    grant: c.capabilities,
    noNewPrivs: c.noNewPrivs,
    seccomp: c.seccomp,
    memlock,
    expected: modelExpects(
      kind,
      kernel,
      arch,
      { grant: c.capabilities, seccomp: c.seccomp, memlock },
      PROBES[probe].raisesMemlock,
    ),
  });
  if (!kernelAtLeast(kernel, minimumKernelFor([kind], arch))) {
    return [
      row(
        "kernel-unsupported",
        confinementOf(renderedContainer(kind, kernel, arch, "least-privilege", { kernel: "unknown" })),
      ),
    ];
  }
  const model = confinementOf(renderedContainer(kind, kernel, arch));
  const vendor = confinementOf(renderedContainer(kind, kernel, arch, "vendor-demo"));
  const without = (cap: string): Confinement => ({
    ...model,
    capabilities: model.capabilities.filter((c) => c !== cap),
  });
  return [
    row("model", model),
    ...model.capabilities.map((cap) => row(`minus-${cap}`, without(cap))),
    row("none", { ...model, capabilities: [] }),
    row("vendor-demo", vendor),
    ...(needsMemlockRaise(kernel) ? [row("memlock-raised", without("SYS_RESOURCE"), "unlimited")] : []),
    row("containerd-1.6.8", { ...model, seccomp: "containerd-1.6.8" }),
  ];
}
