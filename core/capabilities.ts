/**
 * The capability model: which Linux capabilities, host mounts and seccomp profile an eBPF
 * workload needs, from the probe kinds it runs and the kernel of the node it runs on.
 *
 * The table (docs/design.md#the-capability-model), for the default fentry tcp_connect trace:
 *   kernel < 5.8       unsupported: no BPF ring buffer, no CAP_BPF/CAP_PERFMON (only SYS_ADMIN)
 *   5.8 – 5.10         BPF, PERFMON, SYS_RESOURCE (memlock accounting before 5.11)
 *   >= 5.11            BPF, PERFMON (memory charged to the memory cgroup)
 *   unknown            BPF, PERFMON, SYS_RESOURCE (safe default; the verification tells whether
 *                      SYS_RESOURCE can go)
 * always with `drop: [ALL]`. arm64 needs 6.4 for fentry on kernel functions.
 *
 * One source of truth: the components, `render`, the policy rules and the verification all call
 * this module; nothing else decides what a probe needs.
 */
import { InputError, oneOf } from "./errors";
import { Architecture, Kernel, compareKernel, parseKernelRelease } from "./kernel";

/** The kinds of eBPF programs a workload loads. The default is the fentry tcp_connect trace. */
export const ProbeKind = {
  fentry: "fentry",
  kprobe: "kprobe",
  kprobeTracefs: "kprobe-tracefs",
  tracepoint: "tracepoint",
  tc: "tc",
  xdp: "xdp",
  rawSocket: "raw-socket",
  ksym: "ksym",
} as const;
export type ProbeKind = (typeof ProbeKind)[keyof typeof ProbeKind];

export interface ProbeKindInfo {
  kind: ProbeKind;
  description: string;
  /** Capabilities this kind adds on every supported kernel (memlock is decided by the kernel). */
  capabilities: readonly string[];
  /** Needs tracefs (kprobe_events, tracepoint IDs) mounted from the host. */
  needsTracefs: boolean;
  /** Oldest kernel per architecture. */
  minimumKernel: Record<Architecture, string>;
  /** More capabilities on kernels older than `kernel` (and on unknown kernels, the safe default). */
  olderKernels?: { kernel: string; capabilities: readonly string[] };
}

/**
 * Before 6.1 the verifier refuses packet-pointer comparisons (`R2 pointer comparison prohibited`)
 * unless the loader has CAP_PERFMON: measured with cilium/ebpf examples/xdp on Debian's 5.10
 * (needed) and 6.1 (not needed); kernels 5.11 to 6.0 were not measured, so they get it too.
 */
const PACKET_POINTER_COMPARISONS = { kernel: "6.1", capabilities: ["PERFMON"] } as const;

const TRACING_MINIMUM = { amd64: "5.8", arm64: "5.8" } as const;

/** What each probe kind needs; the reasons live in CAPABILITY_REASONS. */
export const PROBE_KINDS: Readonly<Record<ProbeKind, ProbeKindInfo>> = {
  fentry: {
    kind: "fentry",
    description: "fentry/fexit on a kernel function through BTF (the tcp_connect trace)",
    capabilities: ["BPF", "PERFMON"],
    needsTracefs: false,
    // arm64 gained BPF trampolines for kernel functions in 6.4; before, cilium/ebpf fails with
    // `create raw tracepoint: not supported`.
    minimumKernel: { amd64: "5.8", arm64: "6.4" },
  },
  kprobe: {
    kind: "kprobe",
    description: "kprobe/kretprobe through the perf_kprobe PMU (no tracefs)",
    capabilities: ["BPF", "PERFMON"],
    needsTracefs: false,
    minimumKernel: TRACING_MINIMUM,
  },
  "kprobe-tracefs": {
    kind: "kprobe-tracefs",
    description: "kprobe created through tracefs kprobe_events (legacy kernels or tools)",
    capabilities: ["BPF", "PERFMON"],
    needsTracefs: true,
    minimumKernel: TRACING_MINIMUM,
  },
  tracepoint: {
    kind: "tracepoint",
    description: "tracepoint attached by ID read from tracefs events/",
    capabilities: ["BPF", "PERFMON"],
    needsTracefs: true,
    minimumKernel: TRACING_MINIMUM,
  },
  tc: {
    kind: "tc",
    description: "tc classifier/action on a network interface",
    capabilities: ["BPF", "NET_ADMIN"],
    needsTracefs: false,
    minimumKernel: TRACING_MINIMUM,
    olderKernels: PACKET_POINTER_COMPARISONS,
  },
  xdp: {
    kind: "xdp",
    description: "XDP program on a network interface",
    capabilities: ["BPF", "NET_ADMIN"],
    needsTracefs: false,
    minimumKernel: TRACING_MINIMUM,
    olderKernels: PACKET_POINTER_COMPARISONS,
  },
  "raw-socket": {
    kind: "raw-socket",
    description: "socket filter on a raw (AF_PACKET) socket",
    capabilities: ["BPF", "NET_RAW"],
    needsTracefs: false,
    minimumKernel: TRACING_MINIMUM,
  },
  ksym: {
    kind: "ksym",
    description: "program that reads kernel symbol addresses (__ksym, /proc/kallsyms)",
    capabilities: ["BPF", "PERFMON", "SYSLOG"],
    needsTracefs: false,
    minimumKernel: TRACING_MINIMUM,
  },
};

export const PROBE_KIND_NAMES = Object.keys(PROBE_KINDS) as ProbeKind[];

/**
 * Kinds attached through perf_event_open(): on nodes whose kernel.perf_event_paranoid is above the
 * upstream default 2 (Debian's kernels default to 3, Ubuntu's to 4: a distribution patch),
 * perf_event_open() needs CAP_SYS_ADMIN and these fail with BPF+PERFMON (measured on Debian 5.10,
 * 6.1 and 6.12: `opening perf event: permission denied`). fentry, tc and XDP use no perf events.
 */
const PERF_EVENT_KINDS: readonly ProbeKind[] = ["kprobe", "kprobe-tracefs", "tracepoint"];

export const DEFAULT_PROBE_KINDS: readonly ProbeKind[] = ["fentry"];

/** least-privilege: the capability model; vendor-demo: the vendor document's seven (comparison only). */
export const CapabilityProfile = { leastPrivilege: "least-privilege", vendorDemo: "vendor-demo" } as const;
export type CapabilityProfile = (typeof CapabilityProfile)[keyof typeof CapabilityProfile];
export const CAPABILITY_PROFILES: readonly CapabilityProfile[] = Object.values(CapabilityProfile);

/** Seccomp profile of the probe container. */
export const SeccompProfile = { runtimeDefault: "RuntimeDefault", unconfined: "Unconfined" } as const;
export type SeccompProfile = (typeof SeccompProfile)[keyof typeof SeccompProfile];
export const SECCOMP_PROFILES: readonly SeccompProfile[] = Object.values(SeccompProfile);

/** The seven capabilities the vendor document adds, in its order. */
export const VENDOR_DEMO_CAPABILITIES = [
  "SYS_ADMIN",
  "NET_ADMIN",
  "NET_RAW",
  "SYS_RESOURCE",
  "SYS_PTRACE",
  "IPC_LOCK",
  "SYSLOG",
] as const;

/** Why a capability is needed, when the model grants it. */
export const CAPABILITY_REASONS: Readonly<Record<string, string>> = {
  BPF: "bpf(): create maps, load BTF and the program (CAP_BPF, kernel >= 5.8)",
  PERFMON:
    "load a tracing program type (fentry, kprobe, tracepoint) and read kernel memory from it (CAP_PERFMON, kernel >= 5.8); before 6.1 also for tc/XDP programs, whose packet-pointer comparisons the verifier refuses without it",
  SYS_RESOURCE:
    "rlimit.RemoveMemlock() raises RLIMIT_MEMLOCK: before 5.11 BPF memory is charged to memlock, not to the memory cgroup",
  NET_ADMIN: "attach tc/XDP programs to network interfaces",
  NET_RAW: "open the raw socket a socket filter attaches to",
  SYSLOG: "read kernel symbol addresses (__ksym, /proc/kallsyms)",
  SETPCAP:
    "only while minimizeCapabilities is on: setpriv drops one capability from the bounding set per trace run, to prove which capabilities this kernel really needs",
};

/** Why a capability is NOT needed by the probe kinds being planned, for the vendor's seven. */
export const NOT_NEEDED_REASONS: Readonly<Record<string, string>> = {
  SYS_ADMIN:
    "superset of BPF+PERFMON since 5.8, and also grants mount, namespaces and most of root: granting it defeats least privilege",
  NET_ADMIN: "only for tc/XDP programs and network configuration; no tc/XDP probe kind is requested",
  NET_RAW: "only for raw sockets; no raw-socket probe kind is requested",
  SYS_RESOURCE: "kernel >= 5.11 charges BPF memory to the memory cgroup, so RemoveMemlock needs no rlimit raise",
  SYS_PTRACE: "reads other processes' /proc; the trace reads only its own",
  IPC_LOCK: "does not lift BPF memlock charging (cilium/ebpf raises RLIMIT_MEMLOCK, which is SYS_RESOURCE)",
  SYSLOG: "only for kernel symbol addresses (__ksym); fentry resolves its attach point through BTF",
};

/** Host paths eBPF tooling mounts; the only hostPaths the policy ever accepts, read-only. */
export const TRACEFS_PATH = "/sys/kernel/tracing";
export const DEBUGFS_PATH = "/sys/kernel/debug";
const BPFFS_PATH = "/sys/fs/bpf";
export const EBPF_HOST_PATHS = [TRACEFS_PATH, DEBUGFS_PATH, BPFFS_PATH] as const;

/** Size of the fentry example's ring buffer: memory it charges to the pod on >= 5.11. */
const TRACE_RING_BUFFER_BYTES = 16 * 1024 * 1024;

/** A Linux capability the probe container adds, and why. */
export interface CapabilityGrant {
  /** The capability, without CAP_ (e.g. BPF). */
  name: string;
  /** Why the probe needs it on this kernel. */
  reason: string;
}

export interface HostPathGrant {
  path: string;
  readOnly: true;
  reason: string;
}

export interface CapabilityRequest {
  /** Probe kinds the workload runs; default: fentry (the tcp_connect trace). */
  probeKinds?: readonly ProbeKind[];
  /** Node kernel; default unknown. */
  kernel?: Kernel;
  /** Default amd64. */
  architecture?: Architecture;
  /** Default least-privilege. `vendor-demo` reproduces the vendor document (high risk). */
  profile?: CapabilityProfile;
  /** Override of the seccomp profile; default RuntimeDefault for least-privilege. */
  seccompProfile?: SeccompProfile;
  /**
   * The verification re-runs the trace once per capability with it removed: that needs SETPCAP
   * (a root process regains its whole bounding set at exec). Opt-in, and reported.
   */
  minimizeCapabilities?: boolean;
}

export interface CapabilityPlan {
  profile: CapabilityProfile;
  probeKinds: ProbeKind[];
  kernel: Kernel;
  architecture: Architecture;
  /** Capabilities to add, sorted, each with its reason. */
  add: CapabilityGrant[];
  /** `["ALL"]` for least-privilege; empty for the vendor demo (it drops nothing). */
  drop: string[];
  /** The vendor document's capabilities this plan leaves out, each with why. */
  notNeeded: CapabilityGrant[];
  hostPaths: HostPathGrant[];
  /** Undefined means "not set" (the vendor demo): Kubernetes then runs the pod Unconfined. */
  seccompProfile: SeccompProfile | undefined;
  /** Oldest kernel the requested probe kinds run on, for this architecture. */
  minimumKernel: string;
  /** Pod Security Standards level the namespace must enforce (BPF/PERFMON are outside baseline). */
  podSecurityLevel: "privileged";
  risk: "least-privilege" | "high";
  warnings: string[];
}

/**
 * A capability name reduced to its kernel name: case-insensitive, `CAP_` prefix removed. Runtimes
 * differ on the prefix: CRI-O and Docker strip it, but containerd upper-cases the name and
 * prepends `CAP_` again, so `CAP_BPF` in a pod spec becomes `CAP_CAP_BPF` there and runc ignores
 * it. Compare with this, and report a prefixed spelling separately (the policy rules do).
 */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

function kernelLabel(kernel: Kernel): string {
  return kernel === "unknown" ? "unknown" : kernel.release;
}

/** Oldest kernel on which every one of these probe kinds runs, for this architecture. */
export function minimumKernelFor(kinds: readonly ProbeKind[], arch: Architecture): string {
  return kinds
    .map((k) => PROBE_KINDS[k].minimumKernel[arch])
    .reduce((a, b) => (compareKernel(parseKernelRelease(a)!, parseKernelRelease(b)!) >= 0 ? a : b));
}

function validateProbeKinds(kinds: readonly string[]): ProbeKind[] {
  if (kinds.length === 0)
    throw new InputError("probeKinds", kinds, `a non-empty list, each ${oneOf(PROBE_KIND_NAMES)}`);
  for (const k of kinds) {
    if (!(PROBE_KIND_NAMES as string[]).includes(k)) {
      throw new InputError("probeKinds", k, oneOf(PROBE_KIND_NAMES));
    }
  }
  return [...new Set(kinds as ProbeKind[])];
}

/**
 * Whether this kernel needs SYS_RESOURCE for RemoveMemlock: before 5.11 BPF memory counts against
 * RLIMIT_MEMLOCK. Unknown kernels get it (safe default).
 */
export function needsMemlockRaise(kernel: Kernel): boolean {
  return kernel === "unknown" || compareKernel(kernel, parseKernelRelease("5.11")!) < 0;
}

/** Options that grant more than the probe kinds themselves need. */
export interface RequirementOptions {
  /** Adds SETPCAP for the verification's capability minimization. */
  minimizeCapabilities?: boolean;
}

/** The capabilities the probe kinds need on this kernel (no reasons, no checks), sorted. */
export function requiredCapabilities(
  probeKinds: readonly ProbeKind[],
  kernel: Kernel,
  options: RequirementOptions = {},
): string[] {
  const names = new Set(probeKinds.flatMap((k) => PROBE_KINDS[k].capabilities));
  for (const k of probeKinds) {
    const older = PROBE_KINDS[k].olderKernels;
    if (older && (kernel === "unknown" || compareKernel(kernel, parseKernelRelease(older.kernel)!) < 0))
      older.capabilities.forEach((c) => names.add(c));
  }
  if (needsMemlockRaise(kernel)) names.add("SYS_RESOURCE");
  if (options.minimizeCapabilities) names.add("SETPCAP");
  return [...names].sort();
}

/**
 * Plans capabilities for a workload. Throws InputError for an unsupported kernel/architecture
 * or an unknown probe kind, so nothing is declared for a workload that cannot work.
 */
export function planCapabilities(request: CapabilityRequest = {}): CapabilityPlan {
  const profile = request.profile ?? "least-privilege";
  const kernel = request.kernel ?? "unknown";
  const architecture = request.architecture ?? "amd64";
  const probeKinds = validateProbeKinds(request.probeKinds ?? DEFAULT_PROBE_KINDS);
  const minimumKernel = minimumKernelFor(probeKinds, architecture);
  const warnings: string[] = [];

  if (kernel !== "unknown" && compareKernel(kernel, parseKernelRelease(minimumKernel)!) < 0) {
    const why =
      compareKernel(kernel, parseKernelRelease("5.8")!) < 0
        ? "kernels before 5.8 have no BPF ring buffer (the tcp_connect trace's event channel) and no CAP_BPF/CAP_PERFMON, so eBPF there needs SYS_ADMIN"
        : `fentry on ${architecture} needs ${minimumKernel}: earlier kernels fail with "create raw tracepoint: not supported"`;
    const article = /^[aeiou]/i.test(architecture) ? "an" : "a";
    throw new InputError(
      "kernel",
      kernel.release,
      `${article} ${architecture} kernel >= ${minimumKernel} for probe kinds ${probeKinds.join(", ")}`,
      why,
    );
  }
  if (kernel === "unknown" && minimumKernel !== "5.8") {
    warnings.push(
      `Kernel unknown: probe kinds ${probeKinds.join(", ")} need ${architecture} kernel >= ${minimumKernel}; the verification reports the real kernel.`,
    );
  }

  const hostPaths: HostPathGrant[] = probeKinds.some((k) => PROBE_KINDS[k].needsTracefs)
    ? [
        {
          path: TRACEFS_PATH,
          readOnly: true,
          reason:
            "tracefs: kprobe_events and tracepoint IDs (read-only: the perf_kprobe PMU creates probes without writing)",
        },
      ]
    : [];

  if (profile === "vendor-demo") {
    const add = VENDOR_DEMO_CAPABILITIES.map((name) => ({
      name,
      reason: CAPABILITY_REASONS[name] ?? `granted by the vendor document: ${NOT_NEEDED_REASONS[name]}`,
    })).sort(byName);
    const required = new Set(requiredCapabilities(probeKinds, kernel));
    return {
      profile,
      probeKinds,
      kernel,
      architecture,
      add,
      drop: [],
      notNeeded: [],
      hostPaths: [
        {
          path: DEBUGFS_PATH,
          readOnly: true,
          reason: "debugfs, as in the vendor document (legacy kprobes, tracepoint IDs, trace_pipe)",
        },
      ],
      seccompProfile: undefined,
      minimumKernel,
      podSecurityLevel: "privileged",
      risk: "high",
      warnings: [
        "HIGH RISK: the vendor-demo profile adds SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_RESOURCE, SYS_PTRACE, IPC_LOCK and SYSLOG, drops nothing and mounts debugfs; use it only to compare against least-privilege.",
        ...VENDOR_DEMO_CAPABILITIES.filter((c) => !required.has(c)).map(
          (c) =>
            `${c} is not needed on kernel ${kernelLabel(kernel)} for ${probeKinds.join(", ")}: ${NOT_NEEDED_REASONS[c]}.`,
        ),
        "The vendor demo sets no seccomp profile: Kubernetes runs the pod Unconfined.",
      ],
    };
  }

  const add = requiredCapabilities(probeKinds, kernel, { minimizeCapabilities: request.minimizeCapabilities }).map(
    (name) => ({
      name,
      reason: CAPABILITY_REASONS[name],
    }),
  );
  const granted = new Set(add.map((g) => g.name));
  const notNeeded = VENDOR_DEMO_CAPABILITIES.filter((c) => !granted.has(c)).map((name) => ({
    name,
    reason: NOT_NEEDED_REASONS[name],
  }));

  if (request.minimizeCapabilities) {
    warnings.push(
      "SETPCAP is added only so the verification can drop one capability at a time (minimizeCapabilities); turn minimizeCapabilities off after the run to drop SETPCAP again.",
    );
  }
  if (kernel === "unknown") {
    warnings.push(
      "Kernel unknown: SYS_RESOURCE is added for RemoveMemlock (needed before 5.11). Set the kernel (uname -r in the pod; the verification reports it) to drop it on >= 5.11.",
    );
  } else if (!needsMemlockRaise(kernel)) {
    warnings.push(
      `Kernel ${kernel.release} charges BPF memory to the memory cgroup: keep ~${TRACE_RING_BUFFER_BYTES / 1024 / 1024} MiB of headroom in the container's memory limit for the trace's ring buffer.`,
    );
  }
  const perfEventKinds = probeKinds.filter((k) => PERF_EVENT_KINDS.includes(k));
  if (perfEventKinds.length > 0) {
    warnings.push(
      `${perfEventKinds.join(", ")} attach through perf_event_open(): with BPF and PERFMON that works only where the node's kernel.perf_event_paranoid is at most 2 (the upstream default); Debian and Ubuntu kernels default to 3 and 4, where it needs SYS_ADMIN. Set the sysctl to 2 on such nodes, or use fentry.`,
    );
  }
  const seccompProfile = request.seccompProfile ?? "RuntimeDefault";
  if (seccompProfile === "RuntimeDefault") {
    warnings.push(
      'seccomp RuntimeDefault allows bpf() and perf_event_open() with CAP_BPF/CAP_PERFMON only from containerd 1.6.9, Docker 23.0 and CRI-O 1.31; older runtimes require SYS_ADMIN and the trace fails with "operation not permitted".',
    );
  } else {
    warnings.push(
      "seccomp Unconfined: every syscall is allowed; prefer RuntimeDefault on current runtimes (containerd >= 1.6.9, CRI-O >= 1.31).",
    );
  }
  warnings.push(
    "Capability names BPF and PERFMON: Docker 20.10 rejects them, runc >= 1.0.0-rc94 ignores unknown names with a warning, CRI-O fails the pod on kernels before 5.8.",
    "Pod Security: BPF and PERFMON are outside the baseline capability list, so the namespace must enforce `privileged` (label pod-security.kubernetes.io/enforce=privileged) or exempt this workload.",
    'ACS admits added capabilities only with privileged mode enabled for the account (a support ticket, as in the vendor document); without it the pod is rejected or the trace fails with "operation not permitted".',
    "The container runs as UID 0: added capabilities reach only root's effective set; a user namespace (hostUsers: false) would make them useless for bpf().",
  );

  return {
    profile,
    probeKinds,
    kernel,
    architecture,
    add,
    drop: ["ALL"],
    notNeeded,
    hostPaths,
    seccompProfile,
    minimumKernel,
    podSecurityLevel: "privileged",
    risk: "least-privilege",
    warnings,
  };
}

function byName(a: CapabilityGrant, b: CapabilityGrant): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Linux capability numbers (include/uapi/linux/capability.h), for decoding CapEff masks. */
export const CAPABILITY_BITS: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/** Every capability name the kernel knows, for validating user-given names. */
export const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set(CAPABILITY_BITS);

/** Decodes a `CapEff:` hex mask from /proc/PID/status into capability names (unknown bits as CAP_<n>). */
export function decodeCapabilityMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_BITS[bit] ?? `CAP_${bit}`);
  }
  return names;
}

/** Capabilities present beyond what the model requires on this kernel: the runtime least-privilege audit. */
export function excessCapabilities(
  effective: readonly string[],
  probeKinds: readonly ProbeKind[],
  kernel: Kernel,
  options: RequirementOptions = {},
): string[] {
  const required = new Set(requiredCapabilities(probeKinds, kernel, options));
  return effective.map(normalizeCapability).filter((c) => !required.has(c));
}
