/**
 * Workload options → a validated, resolved workload: every decision input is checked here, all at
 * once, before any resource is registered or any file is written. The components, `render` and
 * the stack program share this one function.
 */
import {
  ComputeClass,
  ComputeQos,
  PodSize,
  billedPodSize,
  checkComputeLabels,
  describePodSize,
  parseCpu,
  parseMemory,
} from "./acs";
import {
  CAPABILITY_PROFILES,
  CapabilityPlan,
  CapabilityProfile,
  DEFAULT_PROBE_KINDS,
  PROBE_KIND_NAMES,
  ProbeKind,
  SECCOMP_PROFILES,
  SeccompProfile,
  planCapabilities,
} from "./capabilities";
import { InputError, InputErrors, oneOf } from "./errors";
import { ARCHITECTURES, Architecture, Kernel, parseKernelRelease } from "./kernel";
import { isDnsLabel, isDnsSubdomain } from "./kubernetesNames";
import { isDeferred } from "./deferred";
import { WORKLOAD_DEFAULTS, optionsOfType } from "./options";

export { isDeferred };
import { Placement, checkPlacement, refuseNodeOnAcs } from "./placement";
import { IMAGE_REFERENCE_FORM, parseImageReference } from "./registry";
import { DEFAULT_TOLERATIONS, Toleration, checkTolerations, podTolerations } from "./tolerations";

/** What a user may set; everything optional but the names has a secure default. */
export interface WorkloadOptions {
  name: string;
  namespace: string;
  createNamespace?: boolean;
  /** With createNamespace false: refuse a namespace whose Pod Security level rejects the probe (core/podSecurity.ts). */
  checkPodSecurity?: boolean;
  /** How long `pulumi up` waits for the rollout (the Deployment's or DaemonSet's customTimeouts). */
  rolloutTimeoutSeconds?: number;
  replicas?: number;
  computeClass?: string;
  computeQos?: string;
  cpu?: string;
  memory?: string;
  probeKinds?: readonly string[];
  kernel?: string;
  architecture?: string;
  capabilityProfile?: string;
  seccompProfile?: string;
  /** Grant SETPCAP so the verification can find which capabilities are really needed. */
  minimizeCapabilities?: boolean;
  /** deployment (default): a workbench Deployment on ACS; node: a DaemonSet on a node-based cluster (refused on ACS). */
  placement?: WorkloadPlacement;
  /** The target is ACS (refuses the node placement). */
  acs?: boolean;
  /** Node placement: the tainted nodes the DaemonSet may run on (default none: core/tolerations.ts). */
  tolerations?: Toleration[];
}

/** The placements that own their pods (the sidecar goes into an application's pod: core/sidecar.ts). */
type WorkloadPlacement = Exclude<Placement, "sidecar">;

export interface ResolvedWorkload {
  name: string;
  namespace: string;
  createNamespace: boolean;
  checkPodSecurity: boolean;
  rolloutTimeoutSeconds: number;
  placement: WorkloadPlacement;
  replicas: number;
  computeClass: ComputeClass;
  computeQos: ComputeQos;
  cpu: string;
  memory: string;
  /** What ACS bills for these requests; undefined for the node placement (no ACS). */
  podSize: PodSize | undefined;
  plan: CapabilityPlan;
  /** The plan's warnings plus the workload's own (namespace, pod size). */
  warnings: string[];
  /** Tolerations of the pod template (node placement only; empty otherwise). */
  tolerations: Toleration[];
}

const MAX_REPLICAS = 100;
/** Shorter than a pull and a start; longer than any rollout worth waiting for in a `pulumi up`. */
const ROLLOUT_TIMEOUT_RANGE = [30, 3600] as const;

/** What decides the probe's capabilities; shared by every placement. */
export type ProbeOptions = Pick<
  WorkloadOptions,
  "probeKinds" | "kernel" | "architecture" | "capabilityProfile" | "seccompProfile" | "minimizeCapabilities"
>;

type Fail = (input: string, value: unknown, accepted: string, detail?: string) => void;

/** Parses a CPU and a memory quantity, reporting each malformed one through `fail`. */
export function checkQuantities(cpu: string, memory: string, fail: Fail): { cpuValue?: number; memoryValue?: number } {
  const cpuValue = typeof cpu === "string" ? parseCpu(cpu) : undefined;
  const memoryValue = typeof memory === "string" ? parseMemory(memory) : undefined;
  if (cpuValue === undefined) fail("cpu", cpu, 'a positive Kubernetes CPU quantity such as "500m", "1" or "2"');
  if (memoryValue === undefined)
    fail("memory", memory, 'a positive Kubernetes memory quantity such as "512Mi" or "2Gi"');
  return { cpuValue, memoryValue };
}

/**
 * Validates the probe options and plans the capabilities (core/capabilities.ts). Bad inputs are
 * pushed onto `errors` (named with `inputPrefix`); the plan is undefined when any of them is bad.
 */
export function resolveProbePlan(
  options: ProbeOptions,
  errors: InputError[],
  inputPrefix = "",
): CapabilityPlan | undefined {
  const named = (input: string) => `${inputPrefix}${input}`;
  const fail: Fail = (input, value, accepted, detail) =>
    errors.push(new InputError(named(input), value, accepted, detail));
  const architecture = options.architecture ?? WORKLOAD_DEFAULTS.architecture;
  if (!(ARCHITECTURES as readonly string[]).includes(architecture))
    fail("architecture", architecture, oneOf(ARCHITECTURES));

  const profile = options.capabilityProfile ?? WORKLOAD_DEFAULTS.capabilityProfile;
  if (!(CAPABILITY_PROFILES as readonly string[]).includes(profile))
    fail("capabilityProfile", profile, oneOf(CAPABILITY_PROFILES));

  const seccomp = options.seccompProfile ?? WORKLOAD_DEFAULTS.seccompProfile;
  if (!(SECCOMP_PROFILES as readonly string[]).includes(seccomp))
    fail("seccompProfile", seccomp, oneOf(SECCOMP_PROFILES));

  const kernelText = options.kernel ?? WORKLOAD_DEFAULTS.kernel;
  let kernel: Kernel | undefined = "unknown";
  if (kernelText !== "unknown") {
    kernel = typeof kernelText === "string" ? parseKernelRelease(kernelText) : undefined;
    if (!kernel)
      fail(
        "kernel",
        kernelText,
        'a kernel release as printed by `uname -r` (e.g. "5.10.134-16.3.al8.x86_64") or "unknown"',
      );
  }

  const probeKinds = options.probeKinds ?? DEFAULT_PROBE_KINDS;
  const badKinds = Array.isArray(probeKinds)
    ? probeKinds.filter((k) => !(PROBE_KIND_NAMES as readonly string[]).includes(k))
    : [probeKinds];
  if (!Array.isArray(probeKinds) || probeKinds.length === 0 || badKinds.length > 0) {
    fail(
      "probeKinds",
      badKinds.length > 0 ? badKinds : probeKinds,
      `a non-empty list, each ${oneOf(PROBE_KIND_NAMES)}`,
    );
  }

  const blocking = [named("architecture"), named("probeKinds"), named("capabilityProfile"), named("seccompProfile")];
  if (!kernel || errors.some((e) => blocking.includes(e.input))) return undefined;
  try {
    return planCapabilities({
      probeKinds: probeKinds as ProbeKind[],
      kernel,
      architecture: architecture as Architecture,
      profile: profile as CapabilityProfile,
      seccompProfile: seccomp as SeccompProfile,
      minimizeCapabilities: options.minimizeCapabilities,
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    fail(e.input, e.value, e.accepted, e.detail);
    return undefined;
  }
}

/**
 * Validates and resolves workload options. Throws InputErrors naming every bad input at once;
 * `inputPrefix` turns `kernel` into e.g. `acs-ebpf:kernel` for config-driven callers.
 */
const STRING_OPTIONS = optionsOfType("string").filter(
  (k) => k in WORKLOAD_DEFAULTS,
) as (keyof typeof WORKLOAD_DEFAULTS)[];
const BOOLEAN_OPTIONS = optionsOfType("boolean").filter(
  (k) => k in WORKLOAD_DEFAULTS,
) as (keyof typeof WORKLOAD_DEFAULTS)[];

/**
 * Options from TypeScript callers are typed; from JavaScript, YAML or other languages they may not
 * be. A value of the wrong type is reported and left out, so the checks below see only its type.
 */
function checkTypes(
  options: WorkloadOptions,
  fail: (input: string, value: unknown, accepted: string) => void,
): WorkloadOptions {
  const out: Record<string, unknown> = { ...options };
  for (const key of STRING_OPTIONS) {
    if (out[key] !== undefined && typeof out[key] !== "string") {
      fail(key, out[key], "a string");
      out[key] = WORKLOAD_DEFAULTS[key];
    }
  }
  for (const key of BOOLEAN_OPTIONS) {
    if (out[key] !== undefined && typeof out[key] !== "boolean") {
      fail(key, out[key], "true or false");
      out[key] = undefined;
    }
  }
  const kinds = out.probeKinds;
  if (kinds !== undefined && (!Array.isArray(kinds) || !kinds.every((k) => typeof k === "string"))) {
    fail("probeKinds", kinds, `a non-empty list, each ${oneOf(PROBE_KIND_NAMES)}`);
    out.probeKinds = undefined;
  }
  return out as unknown as WorkloadOptions;
}

export function resolveWorkload(given: WorkloadOptions, inputPrefix = ""): ResolvedWorkload {
  const errors: InputError[] = [];
  const named = (input: string) => `${inputPrefix}${input}`;
  const fail = (input: string, value: unknown, accepted: string, detail?: string) =>
    errors.push(new InputError(named(input), value, accepted, detail));
  const options = checkTypes(given, fail);

  for (const key of ["name", "namespace"] as const) {
    const value = options[key];
    if (!isDnsLabel(value)) {
      fail(
        key,
        value,
        "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, starting and ending alphanumeric",
      );
    }
  }
  const replicas = options.replicas ?? WORKLOAD_DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    fail("replicas", options.replicas, `an integer from 0 to ${MAX_REPLICAS}`);
  }

  const rolloutTimeoutSeconds = options.rolloutTimeoutSeconds ?? WORKLOAD_DEFAULTS.rolloutTimeoutSeconds;
  const [minRollout, maxRollout] = ROLLOUT_TIMEOUT_RANGE;
  if (
    !Number.isInteger(rolloutTimeoutSeconds) ||
    rolloutTimeoutSeconds < minRollout ||
    rolloutTimeoutSeconds > maxRollout
  )
    fail("rolloutTimeoutSeconds", options.rolloutTimeoutSeconds, `an integer from ${minRollout} to ${maxRollout}`);

  const placement = options.placement ?? "deployment";
  const onAcs = placement !== "node";
  for (const e of checkPlacement(placement, ["deployment", "node"])) fail(e.input, e.value, e.accepted);
  if (placement === "node") {
    for (const e of refuseNodeOnAcs(options)) fail(e.input, e.value, e.accepted, e.detail);
    if (options.replicas !== undefined)
      fail("replicas", options.replicas, "unset with placement node", "a DaemonSet runs one pod per node");
  }
  const tolerations = options.tolerations ?? DEFAULT_TOLERATIONS;
  if (placement === "node") for (const e of checkTolerations(tolerations)) fail(e.input, e.value, e.accepted, e.detail);
  else if (placement === "deployment" && (!Array.isArray(tolerations) || tolerations.length > 0)) {
    fail(
      "tolerations",
      tolerations,
      "unset with placement deployment",
      "tolerations choose the tainted nodes the node placement's DaemonSet runs on; ACS schedules the workbench Deployment itself",
    );
  }
  const computeClass = options.computeClass ?? WORKLOAD_DEFAULTS.computeClass;
  const computeQos = options.computeQos ?? WORKLOAD_DEFAULTS.computeQos;
  if (onAcs) for (const e of checkComputeLabels(computeClass, computeQos)) fail(e.input, e.value, e.accepted, e.detail);

  const cpu = options.cpu ?? WORKLOAD_DEFAULTS.cpu;
  const memory = options.memory ?? WORKLOAD_DEFAULTS.memory;
  const { cpuValue, memoryValue } = checkQuantities(cpu, memory, fail);
  const plan = resolveProbePlan(options, errors, inputPrefix);

  // One container per pod: the pod's requests are the container's. Node pods are not billed per pod.
  let podSize: PodSize | undefined;
  if (cpuValue !== undefined && memoryValue !== undefined && onAcs) {
    try {
      podSize = billedPodSize(cpuValue, memoryValue);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (e.input === "memory") fail("memory", memory, e.accepted, `with cpu ${cpu}: ${e.detail}`);
      else fail("cpu", cpu, e.accepted, `with memory ${memory}: ${e.detail}`);
    }
  }

  if (errors.length > 0 || !plan || (onAcs && !podSize)) throw new InputErrors(errors);

  const warnings = [...plan.warnings];
  if (onAcs && computeClass.startsWith("gpu")) {
    warnings.push(
      `Compute class ${computeClass}: pod sizes depend on the GPU model; the billed size below is not checked for GPU classes.`,
    );
  }
  if (podSize)
    warnings.push(
      `ACS bills each pod as ${describePodSize(podSize)} (requests cpu ${cpu}, memory ${memory}, rounded up to a supported size).`,
    );
  if (!(options.createNamespace ?? WORKLOAD_DEFAULTS.createNamespace)) {
    warnings.push(
      `Namespace ${options.namespace} is not created by this stack: it must allow privileged pods (label pod-security.kubernetes.io/enforce=privileged, or a Pod Security exemption), or the pod is rejected.`,
    );
  }

  return {
    name: options.name,
    namespace: options.namespace,
    createNamespace: options.createNamespace ?? WORKLOAD_DEFAULTS.createNamespace,
    checkPodSecurity: options.checkPodSecurity ?? WORKLOAD_DEFAULTS.checkPodSecurity,
    rolloutTimeoutSeconds,
    placement,
    replicas,
    computeClass: computeClass as ComputeClass,
    computeQos: computeQos as ComputeQos,
    cpu,
    memory,
    podSize,
    plan,
    warnings,
    tolerations: placement === "node" ? podTolerations(tolerations) : [],
  };
}

/**
 * The Deployment's other inputs as far as they are plain values: the image, pull Secret names and
 * registry credentials (their fields are checked with the pull Secret). The image is checked when
 * the key is present: EbpfWorkbench decides its image itself (built or given) and leaves it out.
 */
export function checkDeploymentInputs(inputs: {
  image?: unknown;
  imagePullSecrets?: unknown;
  registryCredentials?: unknown;
}): InputError[] {
  const errors: InputError[] = [];
  const { image, imagePullSecrets, registryCredentials } = inputs;
  if (!("image" in inputs)) {
    // not this caller's input
  } else if (typeof image === "string") {
    try {
      parseImageReference(image, "image");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(e);
    }
  } else if (!isDeferred(image)) {
    errors.push(new InputError("image", image, IMAGE_REFERENCE_FORM));
  }
  if (imagePullSecrets !== undefined) {
    const names = Array.isArray(imagePullSecrets) ? imagePullSecrets : undefined;
    const bad = names?.filter((n) => !isDeferred(n) && !isDnsSubdomain(n));
    if (!names || names.length === 0 || (bad && bad.length > 0)) {
      errors.push(
        new InputError(
          "imagePullSecrets",
          imagePullSecrets,
          "a non-empty list of Secret names (DNS-1123 subdomains), or leave it unset",
        ),
      );
    }
  }
  if (
    registryCredentials !== undefined &&
    (typeof registryCredentials !== "object" || registryCredentials === null || Array.isArray(registryCredentials))
  ) {
    errors.push(
      new InputError(
        "registryCredentials",
        registryCredentials,
        "{ server, username, password } of the registry the pods pull from",
      ),
    );
  }
  return errors;
}
