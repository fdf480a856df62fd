/**
 * The vocabulary of the policy rules: Kubernetes objects as plain JSON, the pod templates found in
 * them, findings, levels and the per-rule configuration. No Pulumi, no I/O: the CrossGuard pack,
 * `npm run review`, `npm run conformance` and the bench all use these types.
 */
/** A Kubernetes object as parsed from YAML or taken from a Pulumi resource's inputs. */
export type KubeObject = Record<string, unknown>;

/** Enforcement levels, as @pulumi/policy names them. */
export type EnforcementLevel = "mandatory" | "advisory" | "remediate" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["mandatory", "advisory", "remediate", "disabled"];

/** The level a reported violation carries (remediate reports as mandatory when it cannot fix). */
export type ViolationLevel = "mandatory" | "advisory";

/** One container of a pod template, with where it sits. */
export interface ContainerRef {
  /** containers, initContainers or ephemeralContainers. */
  list: "containers" | "initContainers" | "ephemeralContainers";
  index: number;
  name: string;
  /** Field path of the container, e.g. `spec.template.spec.containers[0]`. */
  path: string;
  container: Record<string, unknown>;
  /** Its capabilities.add, normalized (policy/ebpf.ts addedCapabilityNames): decided once, three rules read it. */
  addedNames?: readonly string[];
  /** Whether it is judged as an eBPF probe (policy/ebpf.ts isProbeContainer): decided once, four rules ask. */
  isProbe?: boolean;
}

/** A pod template found in a pod-bearing object (the Pod itself for kind Pod). */
export interface PodTemplate {
  /** `Kind/metadata.name` of the object that carries the template. */
  resource: string;
  kind: string;
  namespace?: string;
  /** The whole object (for selectors and the object's own metadata). */
  object: KubeObject;
  /** The pod's metadata: labels and annotations of the template. */
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  /** Field path of the pod metadata, e.g. `spec.template.metadata`. */
  metadataPath: string;
  spec: Record<string, unknown>;
  /** Field path of the pod spec, e.g. `spec.template.spec`. */
  specPath: string;
  containers: ContainerRef[];
  /**
   * What several rules ask about this template, decided once by policy/ebpf.ts and kept on the
   * template itself: it is dropped with the template, where a WeakMap keyed by 10,000 templates
   * made every garbage collection of a large review walk its entries.
   */
  memo?: TemplateMemo;
}

/**
 * Answers kept on a template. Its fields are declared by the module that fills them (policy/ebpf.ts
 * augments this interface), so this vocabulary depends on no rule module.
 * @public (augmented by policy/ebpf.ts)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TemplateMemo {}

/** What a rule reports: where, and what to change. */
export interface Finding {
  /** Container name; undefined for pod- or object-level findings. */
  container?: string;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  field: string;
  /** What is wrong and what to change, for a person. */
  message: string;
}

/** Configuration a rule reads; each rule documents which keys it uses. */
export interface RuleSettings {
  /** Images the container-level checks skip: exact, or a prefix ending in `*`. */
  exemptImages?: string[];
  /** Kernel assumed for eBPF workloads without the `acs-ebpf.io/kernel` annotation (`uname -r` or `unknown`). */
  kernel?: string;
  /** Capabilities non-eBPF workloads may add (`*` = any). */
  allowedCapabilities?: string[];
  /** Capabilities every container must drop (`ALL` covers every name). */
  requiredDropCapabilities?: string[];
  /** hostPath volumes allowed besides the eBPF mounts the model grants. */
  allowedHostPaths?: { pathPrefix: string; readOnly?: boolean }[];
  /** Seccomp profile types allowed: RuntimeDefault, Localhost, Unconfined. */
  allowedProfiles?: string[];
  /** Localhost profile files allowed (`*` = any). */
  allowedLocalhostFiles?: string[];
  /** Whether a container may run with no seccomp profile at all (Kubernetes then runs it Unconfined). */
  allowUnsetProfile?: boolean;
  /** eBPF workloads are exempt from run-as-non-root (they need UID 0); set false to check them too. */
  exemptEbpfWorkloads?: boolean;
}

export interface Rule {
  /** Policy name, as in the pack config and the review output. */
  name: string;
  /**
   * The package version the rule appeared in, or last changed what it reports: a review pinned to
   * an earlier version (`--rules-version`) leaves it out, so a pipeline does not break on an upgrade.
   */
  since: string;
  description: string;
  /** Level when nothing is configured. */
  defaultLevel: EnforcementLevel;
  /** The settings keys this rule reads (for the pack's config schema). */
  settings: readonly (keyof RuleSettings)[];
  check(pod: PodTemplate, settings: RuleSettings): Finding[];
}
