/**
 * Is a pod template an eBPF workload, and what does the capability model say it needs?
 *
 * A workload is an eBPF workload when any container adds BPF, PERFMON or SYS_ADMIN, when it mounts
 * debugfs, tracefs or bpffs from the host, or when it carries the `acs-ebpf.io/*` annotations the
 * components write. Its probe kinds and kernel come from those annotations (defaults: the fentry
 * tcp_connect trace; the kernel from the rule settings, else unknown). The answer comes from
 * core/capabilities.ts: no capability is decided here.
 */
import {
  DEFAULT_PROBE_KINDS,
  EBPF_HOST_PATHS,
  PROBE_KINDS,
  PROBE_KIND_NAMES,
  ProbeKind,
  DEBUGFS_PATH,
  TRACEFS_PATH,
  normalizeCapability,
  planCapabilities,
} from "../core/capabilities";
import { InputError, oneOf } from "../core/errors";
import { ARCHITECTURES, Architecture, Kernel, parseKernelRelease } from "../core/kernel";
import { ANNOTATIONS } from "../core/workload";
import { field, isRecord } from "./podSpecs";
import { remembered } from "./shared";
import type { ContainerRef, Finding, PodTemplate, RuleSettings } from "./types";

// The answers this module keeps on a template (policy/types.ts declares the memo empty).
declare module "./types" {
  interface TemplateMemo {
    isEbpfWorkload?: boolean;
    /** For the `kernel` rule setting it was made for. */
    ebpfProfile?: { kernelSetting: string | undefined; profile: EbpfProfile };
    hostPathVolumes?: readonly HostPathVolume[];
  }
}

/** Capabilities whose presence marks an eBPF workload. */
const EBPF_MARKER_CAPABILITIES = ["BPF", "PERFMON", "SYS_ADMIN"] as const;

export interface EbpfProfile {
  probeKinds: readonly ProbeKind[];
  kernel: Kernel;
  architecture: Architecture;
  /** Capabilities the model requires; undefined when the declaration is unusable (see problems). */
  required?: string[];
  /** The same as a set and as the list the rules print, with the scope they were planned for. */
  requirement?: Requirement;
  /** Host paths the model accepts (read-only) for these probe kinds. */
  allowedHostPaths: string[];
  /** Bad annotations or an unsupported kernel, reported by the eBPF rule. */
  problems: Finding[];
}

/** `/sys/kernel/debug/` → `/sys/kernel/debug`; a path is compared with its trailing slashes removed. */
export function normalizeHostPath(path: string): string {
  const first = path.charCodeAt(0);
  const last = path.charCodeAt(path.length - 1);
  // Most paths are already normal (printable ASCII at both ends, no trailing slash): no new string.
  if (first > 32 && first < 127 && last > 32 && last < 127 && last !== 47) return path;
  const trimmed = path.trim().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

const EBPF_HOST_PATH_DIRS = EBPF_HOST_PATHS.map((e) => `${e}/`);

/** The eBPF host path a hostPath points into (itself or below it), if any. */
export function ebpfHostPathOf(path: string): string | undefined {
  const p = normalizeHostPath(path);
  return EBPF_HOST_PATHS.find((e, i) => p === e || p.startsWith(EBPF_HOST_PATH_DIRS[i]));
}

// Rules normalize the same few spellings for every container they review: each once. The cache
// lives here, not in core/capabilities.ts: the verification provider's closure captures that module,
// and Pulumi cannot serialize a Map.
const capabilityNameOf = remembered(1000, normalizeCapability);

/** normalizeCapability of a pod spec's entry (any YAML value), remembered per spelling. */
export function capabilityName(raw: unknown): string {
  return typeof raw === "string" ? capabilityNameOf(raw) : normalizeCapability(String(raw));
}

const NONE: readonly unknown[] = Object.freeze([]);

/** securityContext.capabilities.add of a container ([] when absent or not a list). */
export function addedCapabilities(container: Record<string, unknown>): readonly unknown[] {
  const add = field(container, "securityContext", "capabilities", "add");
  return Array.isArray(add) ? add : NONE;
}

/** The names of a container's capabilities.add, normalized, index for index. */
export function addedCapabilityNames(c: ContainerRef): readonly string[] {
  return (c.addedNames ??= addedCapabilities(c.container).map(capabilityName));
}

export interface HostPathVolume {
  index: number;
  name: string;
  path: string;
  /** The eBPF host path it points into (ebpfHostPathOf), if any. */
  ebpfPath: string | undefined;
}

/** The template's hostPath volumes (decided once per template: three rules ask). */
export function hostPathVolumes(pod: PodTemplate): readonly HostPathVolume[] {
  return ((pod.memo ??= {}).hostPathVolumes ??= findHostPathVolumes(pod));
}

function findHostPathVolumes(pod: PodTemplate): HostPathVolume[] {
  const volumes = pod.spec.volumes;
  if (!Array.isArray(volumes)) return [];
  const out: HostPathVolume[] = [];
  volumes.forEach((v, index) => {
    if (!isRecord(v) || !isRecord(v.hostPath)) return;
    const path = String(v.hostPath.path ?? "");
    out.push({ index, name: String(v.name ?? `volumes[${index}]`), path, ebpfPath: ebpfHostPathOf(path) });
  });
  return out;
}

const ANNOTATION_KEYS = Object.values(ANNOTATIONS);

/**
 * Whether the template is an eBPF workload: a container adds a marker capability, a volume mounts an
 * eBPF host path, or it carries an acs-ebpf.io annotation (decided once per template: several rules ask).
 */
export function isEbpfWorkload(pod: PodTemplate): boolean {
  return ((pod.memo ??= {}).isEbpfWorkload ??=
    pod.containers.some(addsMarkerCapability) ||
    hostPathVolumes(pod).some((v) => v.ebpfPath !== undefined) ||
    ANNOTATION_KEYS.some((key) => key in pod.metadata.annotations));
}

function addsMarkerCapability(c: ContainerRef): boolean {
  return addedCapabilityNames(c).some((name) => (EBPF_MARKER_CAPABILITIES as readonly string[]).includes(name));
}

/** The probe containers a pod declares (`acs-ebpf.io/probe-containers`), or undefined when it declares none. */
function declaredProbeContainers(pod: PodTemplate): string[] | undefined {
  const value = pod.metadata.annotations[ANNOTATIONS.probeContainers];
  return value === undefined
    ? undefined
    : value
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "");
}

/**
 * Whether a container is a probe container (judged against the capability model) or an
 * application container (judged like any other workload's): a probe container adds BPF, PERFMON
 * or SYS_ADMIN and, when the pod declares its probe containers (the sidecar placement), is one of
 * them. So a capability that reaches an application container next to a probe is still reported.
 */
export function isProbeContainer(pod: PodTemplate, c: ContainerRef): boolean {
  // Four rules ask about every container: decided once per container.
  if (c.isProbe === undefined) {
    const declared = declaredProbeContainers(pod);
    c.isProbe = addsMarkerCapability(c) && (declared === undefined || declared.includes(c.name));
  }
  return c.isProbe;
}

const PROFILE_ANNOTATIONS = [
  ANNOTATIONS.probeKinds,
  ANNOTATIONS.kernel,
  ANNOTATIONS.architecture,
  ANNOTATIONS.minimizeCapabilities,
];

// Templates that declare nothing in annotations (most) share one profile per kernel setting and
// metadata path (the only parts of the template a profile can name).
const undeclaredProfiles = new Map<string, Map<string | undefined, EbpfProfile>>();

/** The eBPF profile of a pod template: what it declares and what the model requires for that. */
export function ebpfProfile(pod: PodTemplate, settings: RuleSettings): EbpfProfile {
  const memo = (pod.memo ??= {});
  if (memo.ebpfProfile !== undefined && memo.ebpfProfile.kernelSetting === settings.kernel)
    return memo.ebpfProfile.profile;
  let profile: EbpfProfile | undefined;
  if (PROFILE_ANNOTATIONS.some((key) => key in pod.metadata.annotations)) {
    profile = buildProfile(pod, settings);
  } else {
    let byKernel = undeclaredProfiles.get(pod.metadataPath);
    if (byKernel === undefined) undeclaredProfiles.set(pod.metadataPath, (byKernel = new Map()));
    profile = byKernel.get(settings.kernel);
    if (profile === undefined) byKernel.set(settings.kernel, (profile = buildProfile(pod, settings)));
  }
  memo.ebpfProfile = { kernelSetting: settings.kernel, profile };
  return profile;
}

interface Requirement {
  names: string[];
  set: ReadonlySet<string>;
  /** `BPF, PERFMON` */
  list: string;
  /** `probe kinds fentry on kernel 5.10.134-16.3.al8.x86_64` */
  scope: string;
}

// The model's answer depends on four small values: plan once per combination.
const requiredByRequest = new Map<string, Requirement>();

function requiredFor(
  probeKinds: readonly ProbeKind[],
  kernel: Kernel,
  architecture: Architecture,
  minimizeCapabilities: boolean,
): Requirement {
  const kinds = probeKinds.join(",");
  const key = `${kinds}|${kernel === "unknown" ? kernel : kernel.release}|${architecture}|${minimizeCapabilities}`;
  let requirement = requiredByRequest.get(key);
  if (!requirement) {
    const names = planCapabilities({ probeKinds: [...probeKinds], kernel, architecture, minimizeCapabilities }).add.map(
      (g) => g.name,
    );
    requirement = {
      names,
      set: new Set(names),
      list: names.join(", "),
      scope: `probe kinds ${kinds} on ${kernelLabel(kernel)}`,
    };
    if (requiredByRequest.size > 1000) requiredByRequest.clear();
    requiredByRequest.set(key, requirement);
  }
  return requirement;
}

function buildProfile(pod: PodTemplate, settings: RuleSettings): EbpfProfile {
  const annotations = pod.metadata.annotations;
  const annotationPath = (key: string) => `${pod.metadataPath}.annotations["${key}"]`;
  const problems: Finding[] = [];

  let probeKinds: readonly ProbeKind[] = DEFAULT_PROBE_KINDS;
  const kindsValue = annotations[ANNOTATIONS.probeKinds];
  if (kindsValue !== undefined) {
    const kinds = kindsValue
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
    const unknown = kinds.filter((k) => !(PROBE_KIND_NAMES as string[]).includes(k));
    if (kinds.length === 0 || unknown.length > 0) {
      problems.push({
        field: annotationPath(ANNOTATIONS.probeKinds),
        message: `${new InputError(ANNOTATIONS.probeKinds, kindsValue, `a comma-separated list, each ${oneOf(PROBE_KIND_NAMES)}`).message}; the default (${DEFAULT_PROBE_KINDS.join(",")}) is not assumed for a declaration that cannot be read`,
      });
    } else {
      probeKinds = [...new Set(kinds as ProbeKind[])];
    }
  }

  const kernelValue = annotations[ANNOTATIONS.kernel] ?? settings.kernel ?? "unknown";
  let kernel: Kernel = "unknown";
  if (kernelValue.trim() !== "unknown") {
    const parsed = parseKernelRelease(kernelValue);
    if (parsed) kernel = parsed;
    else {
      problems.push({
        field:
          annotations[ANNOTATIONS.kernel] !== undefined
            ? annotationPath(ANNOTATIONS.kernel)
            : "(policy setting kernel)",
        message: new InputError(
          ANNOTATIONS.kernel,
          kernelValue,
          "a `uname -r` release such as 5.10.134-16.3.al8.x86_64, or unknown",
        ).message,
      });
    }
  }

  let architecture: Architecture = "amd64";
  const archValue = annotations[ANNOTATIONS.architecture];
  if (archValue !== undefined) {
    if ((ARCHITECTURES as readonly string[]).includes(archValue)) architecture = archValue as Architecture;
    else
      problems.push({
        field: annotationPath(ANNOTATIONS.architecture),
        message: new InputError(ANNOTATIONS.architecture, archValue, oneOf(ARCHITECTURES)).message,
      });
  }

  let requirement: Requirement | undefined;
  if (problems.length === 0) {
    try {
      const minimizeCapabilities = annotations[ANNOTATIONS.minimizeCapabilities] === "true";
      requirement = requiredFor(probeKinds, kernel, architecture, minimizeCapabilities);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push({
        field: annotations[ANNOTATIONS.kernel] !== undefined ? annotationPath(ANNOTATIONS.kernel) : pod.metadataPath,
        message: `unsupported eBPF workload: ${e.message}`,
      });
    }
  }
  const needsTracefs = probeKinds.some((k) => PROBE_KINDS[k].needsTracefs);
  return {
    probeKinds,
    kernel,
    architecture,
    required: requirement?.names,
    requirement,
    // Tracing probe kinds read kprobe_events / tracepoint IDs from tracefs, or from debugfs on old layouts.
    allowedHostPaths: needsTracefs ? [TRACEFS_PATH, DEBUGFS_PATH] : [],
    problems,
  };
}

function kernelLabel(kernel: Kernel): string {
  return kernel === "unknown" ? "unknown kernel" : `kernel ${kernel.release}`;
}

/**
 * A capability written with the `CAP_` prefix. Runtimes disagree on it: containerd upper-cases the
 * name and prepends `CAP_` (so `CAP_SETPCAP` reaches runc as `CAP_CAP_SETPCAP`, which runc ≥ 1.0.0-rc94
 * ignores with a warning), while CRI-O and Docker strip the prefix. Rules compare the normalized
 * name (so `CAP_SYS_ADMIN` is never let through) and also report the spelling, because what such
 * a grant does depends on the node's runtime.
 */
export function prefixedSpelling(raw: unknown): string | undefined {
  // Most names are written without it: no new string for them.
  if (typeof raw === "string" && raw.length > 0 && raw.charCodeAt(0) > 32 && (raw.charCodeAt(0) | 32) !== 99)
    return undefined;
  const name = String(raw).trim().toUpperCase();
  if (!name.startsWith("CAP_")) return undefined;
  const bare = name.slice(4);
  return `is written ${String(raw).trim()}: containerd passes it to the OCI runtime as CAP_${name}, which runc ignores, while CRI-O and Docker read it as ${bare}; write ${bare}`;
}
