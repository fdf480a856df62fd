/**
 * Reading the cluster's objects and the pod's /proc: node readiness and versions, the container's
 * capability sets and its RLIMIT_MEMLOCK. Pure module.
 */

export interface NodeReadiness {
  ready: boolean;
  /** The Ready condition's reason and message when not ready (or "no Ready condition"). */
  reason: string;
  kubeletVersion?: string;
  containerRuntime?: string;
  kernel?: string;
}

interface NodeLike {
  status?: {
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; kernelVersion?: string };
  };
}

export function nodeReadiness(node: unknown): NodeReadiness {
  const n = (node ?? {}) as NodeLike;
  const ready = n.status?.conditions?.find((c) => c.type === "Ready");
  const info = n.status?.nodeInfo;
  return {
    ready: ready?.status === "True",
    reason: ready ? `${ready.reason ?? ""}${ready.message ? `: ${ready.message}` : ""}` : "no Ready condition",
    kubeletVersion: info?.kubeletVersion,
    containerRuntime: info?.containerRuntimeVersion,
    kernel: info?.kernelVersion,
  };
}

export interface ProcStatus {
  /** 16 hex digits, as /proc/<pid>/status prints them */
  capEff: string;
  capPrm: string;
  capBnd: string;
  noNewPrivs: number;
  /** 0 disabled, 1 strict, 2 filter */
  seccomp: number;
}

/** The capability and confinement lines of /proc/<pid>/status; an error names the missing line. */
export function parseProcStatus(text: string): ProcStatus {
  const field = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*(\\S+)\\s*$`, "m").exec(text);
    if (!m) throw new Error(`/proc/self/status: no ${name}: line in ${JSON.stringify(text.slice(0, 200))}`);
    return m[1];
  };
  return {
    capEff: field("CapEff"),
    capPrm: field("CapPrm"),
    capBnd: field("CapBnd"),
    noNewPrivs: Number(field("NoNewPrivs")),
    seccomp: Number(field("Seccomp")),
  };
}

/** An rlimit value: bytes, or "unlimited" (RLIM_INFINITY). */
export type RlimitValue = number | "unlimited";

/**
 * RLIMIT_MEMLOCK from /proc/<pid>/limits (`Max locked memory  65536  65536  bytes`); an error
 * names the missing or unreadable line.
 */
export function parseMemlockLimit(text: string): { soft: RlimitValue; hard: RlimitValue } {
  const m = /^Max locked memory\s+(\S+)\s+(\S+)/m.exec(text);
  const value = (v: string | undefined): RlimitValue => {
    if (v === "unlimited") return v;
    if (v === undefined || !/^\d+$/.test(v))
      throw new Error(
        `/proc/self/limits: no "Max locked memory" line with two values in ${JSON.stringify(text.slice(0, 200))}`,
      );
    return Number(v);
  };
  return { soft: value(m?.[1]), hard: value(m?.[2]) };
}

/** Linux capability numbers of the names the model grants (the ones this project uses). */
const CAPABILITY_BITS: Readonly<Record<string, number>> = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  KILL: 5,
  SETPCAP: 8,
  NET_ADMIN: 12,
  IPC_LOCK: 14,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  PERFMON: 38,
  BPF: 39,
  CHECKPOINT_RESTORE: 40,
};

/** The 16-hex-digit mask of capability names (e.g. [BPF, PERFMON] → 000000c000000000). */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const n of names) {
    const bit = CAPABILITY_BITS[n.replace(/^CAP_/, "").toUpperCase()];
    if (bit === undefined)
      throw new Error(
        `capability ${JSON.stringify(n)}: no bit known; expected one of ${Object.keys(CAPABILITY_BITS).join(", ")}`,
      );
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, "0");
}

interface DeploymentLike {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** A Deployment rolled out: the controller saw this generation and every replica is updated and available. */
export function deploymentReady(d: unknown): boolean {
  const dep = (d ?? {}) as DeploymentLike;
  const want = dep.spec?.replicas ?? 1;
  const s = dep.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 1) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  );
}
