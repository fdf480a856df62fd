/**
 * The options a user sets on the probe, defined once: type, meaning, default, accepted values and
 * the placements that use each. The stack's config keys (core/configKeys.ts) and the workload's
 * defaults (core/workloadOptions.ts) are derived from this table; Pulumi.yaml's config block, the
 * components' doc comments (`…Args`) and the bad-input table are checked against it
 * (test/core/options.test.ts, test/reliability/badInput.test.ts).
 */
import { COMPUTE_CLASSES, COMPUTE_QOS, ComputeClass, ComputeQos } from "./acs";
import {
  CAPABILITY_PROFILES,
  CapabilityProfile,
  PROBE_KIND_NAMES,
  SECCOMP_PROFILES,
  SeccompProfile,
} from "./capabilities";
import { oneOf } from "./errors";
import { ARCHITECTURES, Architecture } from "./kernel";
import type { Placement } from "./placement";
import { PROBE_MODES } from "./probeContainer";

/** string, boolean, integer, a list of strings, a list of mappings, or a mapping. */
export type OptionType = "string" | "boolean" | "integer" | "array" | "objects" | "object";

export interface OptionDefinition {
  type: OptionType;
  /**
   * What the option is and does, without its default: the config key's description, and the
   * first sentence(s) of every component argument of the same name.
   */
  doc: string;
  /** Accepted values of an enum-like option (also in `doc`). */
  values?: readonly string[];
  /** The placements whose probe uses it; set with another placement, it is refused. */
  placements: readonly Placement[];
}

const PROBE: readonly Placement[] = ["deployment", "sidecar", "node"];
const OWN_PODS: readonly Placement[] = ["deployment", "node"];

export const OPTIONS = {
  namespace: {
    type: "string",
    doc: "Namespace of the workload (a DNS-1123 label).",
    placements: OWN_PODS,
  },
  createNamespace: {
    type: "boolean",
    doc: "Create the namespace, labelled pod-security.kubernetes.io/enforce=privileged. When false the namespace must already admit privileged pods.",
    placements: OWN_PODS,
  },
  checkPodSecurity: {
    type: "boolean",
    doc: "With createNamespace false: read the namespace (needs get on it) and stop before anything is created when its Pod Security enforce level would reject the probe's pods.",
    placements: OWN_PODS,
  },
  rolloutTimeoutSeconds: {
    type: "integer",
    doc: "Seconds `pulumi up` waits for the Deployment (the DaemonSet) to roll out before it fails with its pods' state, 30 to 3600.",
    placements: OWN_PODS,
  },
  replicas: { type: "integer", doc: "Number of pods, 0 to 100.", placements: ["deployment"] },
  computeClass: {
    type: "string",
    doc: `ACS compute class, ${oneOf(COMPUTE_CLASSES)}. On the pod template only.`,
    values: COMPUTE_CLASSES,
    placements: ["deployment"],
  },
  computeQos: {
    type: "string",
    doc: `ACS compute QoS, ${oneOf(COMPUTE_QOS)} (gpu-hpn: default only). On the pod template only.`,
    values: COMPUTE_QOS,
    placements: ["deployment"],
  },
  cpu: {
    type: "string",
    doc: "CPU request and limit of the probe container (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps to 16.",
    placements: PROBE,
  },
  memory: {
    type: "string",
    doc: "Memory request and limit of the probe container (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and 8 x vCPU.",
    placements: PROBE,
  },
  probeKinds: {
    type: "array",
    doc: `eBPF probe kinds the workload runs, each ${oneOf(PROBE_KIND_NAMES)}.`,
    values: PROBE_KIND_NAMES,
    placements: PROBE,
  },
  kernel: {
    type: "string",
    doc: "Node kernel release (uname -r), or unknown. Decides SYS_RESOURCE (needed before 5.11) and the minimum kernel.",
    placements: PROBE,
  },
  architecture: {
    type: "string",
    doc: `CPU architecture, ${oneOf(ARCHITECTURES)}.`,
    values: ARCHITECTURES,
    placements: PROBE,
  },
  capabilityProfile: {
    type: "string",
    doc: `Capability profile, ${oneOf(CAPABILITY_PROFILES)}; vendor-demo reproduces the vendor document's seven capabilities and is high risk.`,
    values: CAPABILITY_PROFILES,
    placements: OWN_PODS,
  },
  seccompProfile: {
    type: "string",
    doc: `Seccomp profile of the probe container, ${oneOf(SECCOMP_PROFILES)}.`,
    values: SECCOMP_PROFILES,
    placements: PROBE,
  },
  minimizeCapabilities: {
    type: "boolean",
    doc: "Grant SETPCAP so the verification can re-run the trace once per capability with it removed, to report which are necessary; turn it off after the run.",
    placements: ["deployment"],
  },
  mode: {
    type: "string",
    doc: `What the probe container runs, ${oneOf(PROBE_MODES)}: workbench, a shell to \`kubectl exec\` into; monitor, the trace as the container's process with its events on stdout.`,
    values: PROBE_MODES,
    placements: PROBE,
  },
  selfTest: {
    type: "boolean",
    doc: "Run /usr/local/bin/ebpf-selftest as the probe's startupProbe, so the rollout fails when eBPF does not work in the pod.",
    placements: PROBE,
  },
  tolerations: {
    type: "objects",
    doc: "Node placement: tolerations of the DaemonSet, Kubernetes Toleration objects (key, operator Exists or Equal, value, effect, tolerationSeconds), the tainted nodes the probe may run on. Default none: only untainted nodes; [{operator: Exists}] tolerates every taint.",
    placements: ["node"],
  },
} as const satisfies Record<string, OptionDefinition>;

export type OptionName = keyof typeof OPTIONS;

/** The defaults of the workbench Deployment and the DaemonSet (the sidecar's are in core/sidecar.ts). */
export const WORKLOAD_DEFAULTS = {
  createNamespace: true,
  checkPodSecurity: true,
  // The Kubernetes provider's own await timeout for a Deployment or DaemonSet.
  rolloutTimeoutSeconds: 600,
  replicas: 1,
  computeClass: "general-purpose" as ComputeClass,
  computeQos: "default" as ComputeQos,
  // The workbench runs a prebuilt tracer; 1 vCPU / 2 GiB also leaves room to `go run` an example.
  cpu: "1",
  memory: "2Gi",
  probeKinds: ["fentry"] as readonly string[],
  kernel: "unknown",
  architecture: "amd64" as Architecture,
  capabilityProfile: "least-privilege" as CapabilityProfile,
  seccompProfile: "RuntimeDefault" as SeccompProfile,
  minimizeCapabilities: false,
  tolerations: [] as readonly object[],
} satisfies Partial<Record<OptionName, unknown>>;

/** The options of a given type, e.g. every string option (for the checks of untyped callers). */
export function optionsOfType(type: OptionType): OptionName[] {
  return (Object.keys(OPTIONS) as OptionName[]).filter((k) => OPTIONS[k].type === type);
}

/** The options set in `args` that the placement does not use. */
export function optionsNotFor(placement: Placement, args: object): OptionName[] {
  return (Object.keys(OPTIONS) as OptionName[]).filter(
    (k) =>
      (args as Record<string, unknown>)[k] !== undefined &&
      !(OPTIONS[k].placements as readonly Placement[]).includes(placement),
  );
}
