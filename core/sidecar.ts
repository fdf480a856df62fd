/**
 * The sidecar placement: the probe container (core/probeContainer.ts) added to an application's
 * pod, the only way to observe an application on ACS (each ACS pod has its own kernel).
 *
 * Pure: `addEbpfSidecar` returns a new pod spec and never mutates its input. The application's
 * containers are copied as they are (byte for byte); the probe's capabilities go on the probe
 * container only. `planEbpfSidecar` also reports what the pod now costs on ACS and what its
 * namespace must admit. The Pulumi transform (components/ebpfSidecar.ts) only wires these.
 */
import type { Input } from "@pulumi/pulumi";
import { PodSize, billedPodSizeOf, describePodSize, podRequests } from "./acs";
import type { CapabilityPlan } from "./capabilities";
import { InputError, InputErrors, oneOf } from "./errors";
import { isDnsLabel } from "./kubernetesNames";
import { pullPolicyFor } from "./manifests";
import {
  ACS_SIDECAR_ENV,
  KUBERNETES_VERSION_FORM,
  KubernetesVersion,
  SidecarStyle,
  parseKubernetesVersion,
  sidecarStyle,
} from "./placement";
import { PROBE_MODES, ProbeMode, probeAnnotations, probeContainer } from "./probeContainer";
import { POD_TEMPLATE_PATHS } from "./podTemplates";
import { ProbeOptions, checkQuantities, resolveProbePlan } from "./workloadOptions";

/** Workloads carrying this label (value "enabled") get the probe from `ebpfSidecarTransform`. */
export const SIDECAR_OPT_IN_LABEL = "acs-ebpf.io/ebpf-sidecar";
export const SIDECAR_OPT_IN_VALUE = "enabled";

/** The kinds the transform applies to. */
export const SIDECAR_KINDS = ["Deployment", "StatefulSet", "Job", "CronJob"] as const;
export type SidecarKind = (typeof SIDECAR_KINDS)[number];

const SIDECAR_DEFAULTS = {
  containerName: "ebpf-probe",
  mode: "monitor" as ProbeMode,
  // The prebuilt tracer needs little; the ring buffer (16 MiB) is charged to this memory cgroup on >= 5.11.
  cpu: "250m",
  memory: "256Mi",
};

/** Options of the probe sidecar. */
export interface SidecarOptions extends Omit<ProbeOptions, "capabilityProfile" | "minimizeCapabilities"> {
  /** The workbench image (by digest, e.g. a WorkbenchImage's `imageRef`). */
  image: Input<string>;
  /** Default: IfNotPresent for a digest, Always for a tag. */
  imagePullPolicy?: Input<string>;
  /** The cluster's Kubernetes version: native sidecar from 1.29, else `__IS_SIDECAR__=true`. */
  kubernetesVersion: string;
  /**
   * What the probe container runs, one of: workbench, monitor: workbench, a shell to `kubectl exec` into; monitor, the
   * trace as the container's process with its events on stdout. Default monitor.
   */
  mode?: ProbeMode;
  /**
   * Run /usr/local/bin/ebpf-selftest as the probe's startupProbe, so the rollout fails when eBPF does not work in the
   * pod. Default true. A native sidecar's failing startupProbe also holds back the application's containers; set false
   * to never gate the application on the probe.
   */
  selfTest?: boolean;
  /**
   * CPU request and limit of the probe container (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps
   * to 16. Default 250m.
   */
  cpu?: string;
  /**
   * Memory request and limit of the probe container (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and
   * 8 x vCPU. Default 256Mi.
   */
  memory?: string;
  /** Name of the probe container (default ebpf-probe). */
  containerName?: string;
}

export interface ResolvedSidecar {
  image: Input<string>;
  imagePullPolicy: Input<string>;
  kubernetesVersion: KubernetesVersion;
  style: SidecarStyle;
  mode: ProbeMode;
  selfTest: boolean;
  cpu: string;
  memory: string;
  containerName: string;
  plan: CapabilityPlan;
}

/** Validates every option at once (InputErrors), before anything is changed or registered. */
export function resolveSidecarOptions(options: SidecarOptions): ResolvedSidecar {
  const errors: InputError[] = [];
  const fail = (input: string, value: unknown, accepted: string, detail?: string) =>
    errors.push(new InputError(input, value, accepted, detail));
  if (options.image === undefined || options.image === "")
    fail("image", options.image, "the workbench image, by digest (repo@sha256:...)");
  const version = parseKubernetesVersion(options.kubernetesVersion);
  if (!version) fail("kubernetesVersion", options.kubernetesVersion, KUBERNETES_VERSION_FORM);
  const mode = options.mode ?? SIDECAR_DEFAULTS.mode;
  if (!(PROBE_MODES as readonly string[]).includes(mode)) fail("mode", mode, oneOf(PROBE_MODES));
  if (options.selfTest !== undefined && typeof options.selfTest !== "boolean")
    fail("selfTest", options.selfTest, "true or false");
  const containerName = options.containerName ?? SIDECAR_DEFAULTS.containerName;
  if (!isDnsLabel(containerName))
    fail("containerName", containerName, "a DNS-1123 label (lowercase letters, digits and '-', at most 63)");
  const cpu = options.cpu ?? SIDECAR_DEFAULTS.cpu;
  const memory = options.memory ?? SIDECAR_DEFAULTS.memory;
  checkQuantities(cpu, memory, fail);
  const plan = resolveProbePlan(options, errors);
  if (errors.length > 0 || !plan || !version) throw new InputErrors(errors);
  const image = options.image;
  return {
    image,
    imagePullPolicy: options.imagePullPolicy ?? (typeof image === "string" ? pullPolicyFor(image) : "IfNotPresent"),
    kubernetesVersion: version,
    style: sidecarStyle(version),
    mode: mode as ProbeMode,
    selfTest: options.selfTest ?? true,
    cpu,
    memory,
    containerName,
    plan,
  };
}

/** What adding the probe changes, for the person deploying it. */
export interface SidecarReport {
  style: SidecarStyle;
  probeContainer: string;
  podSizeBefore: PodSize;
  podSizeAfter: PodSize;
  /** e.g. `ACS pod size 1 vCPU / 2 GiB → 1.5 vCPU / 3 GiB (+0.5 vCPU, +1 GiB)`. */
  billingChange: string;
  /** The Pod Security level the application's namespace must now enforce. */
  podSecurityLevel: CapabilityPlan["podSecurityLevel"];
  /** What the application's namespace and the ACS account now need. */
  namespaceNeeds: string[];
  warnings: string[];
}

type PodSpec = Record<string, unknown>;

/** A pod spec of the caller's type that now also may have init containers and volumes (the probe's). */
export type WithProbe<T> = T & Partial<Record<Exclude<"initContainers" | "volumes", keyof T>, unknown[]>>;

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c) => String((c as { name?: unknown })?.name)) : [];
}

function signed(n: number, unit: string): string {
  return `${n >= 0 ? "+" : ""}${Math.round(n * 100) / 100} ${unit}`;
}

/**
 * The new pod spec (of the input's type: a plain object, or @pulumi/kubernetes' PodSpec input) and
 * the report. Throws InputErrors for a pod the probe cannot join.
 */
export function planEbpfSidecar<T extends object>(
  input: T,
  options: SidecarOptions | ResolvedSidecar,
  namespace?: string,
): { podSpec: WithProbe<T>; report: SidecarReport } {
  const podSpec = input as PodSpec;
  const s = "plan" in options ? options : resolveSidecarOptions(options);
  const errors: InputError[] = [];
  const taken = [...names(podSpec.containers), ...names(podSpec.initContainers)];
  if (taken.includes(s.containerName)) {
    errors.push(
      new InputError(
        "containerName",
        s.containerName,
        "a name no container of the pod has",
        `the pod already has a container ${s.containerName} (the probe was added already, or pick another containerName)`,
      ),
    );
  }
  if (podSpec.hostUsers === false) {
    errors.push(
      new InputError(
        "podSpec.hostUsers",
        false,
        "unset or true",
        "capabilities in a pod user namespace do not count for bpf() and perf_event_open(): the probe could not load its program",
      ),
    );
  }
  if (errors.length > 0) throw new InputErrors(errors);

  const probe = probeContainer({
    name: s.containerName,
    plan: s.plan,
    image: s.image,
    imagePullPolicy: s.imagePullPolicy,
    cpu: s.cpu,
    memory: s.memory,
    mode: s.mode,
    selfTest: s.selfTest,
    volumePrefix: `${s.containerName}-host-`,
    ...(s.style === "native" ? { restartPolicy: "Always" as const } : { env: [{ ...ACS_SIDECAR_ENV }] }),
  });
  const existing = (key: string) => (Array.isArray(podSpec[key]) ? (podSpec[key] as unknown[]) : []);
  const next: PodSpec = { ...podSpec };
  // Native: first init container, so it starts (and observes) before everything else in the pod.
  if (s.style === "native") next.initContainers = [probe.container, ...existing("initContainers")];
  else next.containers = [...existing("containers"), probe.container];
  if (probe.volumes.length > 0) next.volumes = [...existing("volumes"), ...probe.volumes];

  const before = billedPodSizeOf(podSpec);
  const after = billedPodSizeOf(next);
  const ns = namespace ? `Namespace ${namespace}` : "The application's namespace";
  const warnings: string[] = [];
  if (!podRequests(podSpec).anySet) {
    warnings.push(
      `The application's containers set no requests: ACS bills such a pod ${describePodSize(before)} by default, but with the probe the pod's requests are the probe's alone; set requests on the application's containers so the billed size is the one you intend.`,
    );
  }
  const unreadable = podRequests(next).unreadable;
  if (unreadable.length > 0)
    warnings.push(`Requests that could not be read were counted as 0: ${unreadable.join(", ")}.`);
  if (s.style === "acs-env") {
    warnings.push(
      `Kubernetes ${s.kubernetesVersion.text} has no native sidecars (1.29+): the probe is a regular container with ${ACS_SIDECAR_ENV.name}=${ACS_SIDECAR_ENV.value}, which ACS honours; on other clusters a Job with it never completes.`,
    );
  }
  return {
    podSpec: next as WithProbe<T>,
    report: {
      style: s.style,
      probeContainer: s.containerName,
      podSizeBefore: before,
      podSizeAfter: after,
      billingChange: `ACS pod size ${describePodSize(before)} → ${describePodSize(after)} (${signed(after.cpu - before.cpu, "vCPU")}, ${signed(after.memoryGiB - before.memoryGiB, "GiB")})`,
      podSecurityLevel: s.plan.podSecurityLevel,
      namespaceNeeds: [
        `${ns} must enforce Pod Security ${s.plan.podSecurityLevel} (label pod-security.kubernetes.io/enforce=${s.plan.podSecurityLevel}, or exempt this workload): the probe adds ${s.plan.add.map((g) => g.name).join(", ")}, outside "baseline".`,
        'ACS privileged mode must be enabled for the account (a support ticket): without it the pod is rejected or the probe fails with "operation not permitted".',
      ],
      warnings,
    },
  };
}

/** The pod spec with the probe added; pure, the input is not changed. */
export function addEbpfSidecar<T extends object>(podSpec: T, options: SidecarOptions): WithProbe<T> {
  return planEbpfSidecar(podSpec, options).podSpec;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whether a workload object asks for the probe: a sidecar kind carrying the opt-in label. */
function optsIntoSidecar(input: object): boolean {
  const obj = input as Record<string, unknown>;
  if (!(SIDECAR_KINDS as readonly unknown[]).includes(obj.kind)) return false;
  const labels = isRecord(obj.metadata) && isRecord(obj.metadata.labels) ? obj.metadata.labels : {};
  return labels[SIDECAR_OPT_IN_LABEL] === SIDECAR_OPT_IN_VALUE;
}

/**
 * The workload with the probe in its pod template (and the template annotated for the policy), or
 * undefined when it did not opt in. Only the pod template changes; the object is copied, not changed.
 */
export function ebpfSidecarWorkload<T extends object>(
  input: T,
  options: SidecarOptions | ResolvedSidecar,
): { object: T; report: SidecarReport } | undefined {
  if (!optsIntoSidecar(input)) return undefined;
  const obj = input as Record<string, unknown>;
  const s = "plan" in options ? options : resolveSidecarOptions(options);
  const path = POD_TEMPLATE_PATHS[String(obj.kind)];
  const namespace =
    isRecord(obj.metadata) && typeof obj.metadata.namespace === "string" ? obj.metadata.namespace : undefined;
  // Copy each object on the way down to the template; everything else is shared, unchanged.
  const rebuild = (node: unknown, depth: number): { value: Record<string, unknown>; report: SidecarReport } => {
    const here = isRecord(node) ? node : {};
    if (depth < path.length) {
      const inner = rebuild(here[path[depth]], depth + 1);
      return { value: { ...here, [path[depth]]: inner.value }, report: inner.report };
    }
    // Never build a pod spec from nothing: that would replace the application's containers.
    if (!isRecord(here.spec) || !Array.isArray(here.spec.containers)) {
      throw new InputErrors([
        new InputError(
          `${String(obj.kind)}.${[...path, "spec", "containers"].join(".")}`,
          here.spec === undefined ? undefined : "(not a list)",
          "the pod template's containers, as plain values",
          "the probe is added beside the application's containers, which must be known",
        ),
      ]);
    }
    const metadata = isRecord(here.metadata) ? here.metadata : {};
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    const planned = planEbpfSidecar(here.spec, s, namespace);
    return {
      value: {
        ...here,
        metadata: { ...metadata, annotations: { ...annotations, ...probeAnnotations(s.plan, [s.containerName]) } },
        spec: planned.podSpec,
      },
      report: planned.report,
    };
  };
  const { value, report } = rebuild(obj, 0);
  return { object: value as T, report };
}
