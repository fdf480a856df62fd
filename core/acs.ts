/**
 * Alibaba Cloud ACS facts: compute-class / compute-qos labels and the pod sizes ACS bills.
 *
 *   alibabacloud.com/compute-class  general-purpose (default) | performance | gpu | gpu-hpn
 *   alibabacloud.com/compute-qos    default | best-effort      (gpu-hpn: default only)
 *
 * Labels belong on the pod template, never in `selector.matchLabels`: ACS may rewrite them.
 * Pod size = the sum of container requests rounded up to a supported size: 0.25, 0.5, then
 * 0.5-vCPU steps to 16 vCPU; memory in 1 GiB steps between ceil(vCPU) and 8 x vCPU GiB.
 * No requests at all → 2 vCPU / 4 GiB.
 */
import { InputError, oneOf } from "./errors";

export const COMPUTE_CLASS_LABEL = "alibabacloud.com/compute-class";
export const COMPUTE_QOS_LABEL = "alibabacloud.com/compute-qos";
export const ACS_LABELS = [COMPUTE_CLASS_LABEL, COMPUTE_QOS_LABEL] as const;

/** ACS compute classes (`as const` objects: the schema inference sees enums). */
export const ComputeClass = {
  generalPurpose: "general-purpose",
  performance: "performance",
  gpu: "gpu",
  gpuHpn: "gpu-hpn",
} as const;
export type ComputeClass = (typeof ComputeClass)[keyof typeof ComputeClass];
/** ACS compute QoS levels (gpu-hpn: default only). */
export const ComputeQos = { default: "default", bestEffort: "best-effort" } as const;
export type ComputeQos = (typeof ComputeQos)[keyof typeof ComputeQos];
export const COMPUTE_CLASSES: readonly ComputeClass[] = Object.values(ComputeClass);
export const COMPUTE_QOS: readonly ComputeQos[] = Object.values(ComputeQos);

/** The qos values a compute class accepts. */
function allowedQos(computeClass: ComputeClass): readonly ComputeQos[] {
  return computeClass === "gpu-hpn" ? ["default"] : COMPUTE_QOS;
}

/** Problems with a compute-class / compute-qos pair, as InputErrors (empty when valid). */
export function checkComputeLabels(computeClass: string | undefined, computeQos: string | undefined): InputError[] {
  const errors: InputError[] = [];
  if (computeClass !== undefined && !(COMPUTE_CLASSES as readonly string[]).includes(computeClass)) {
    errors.push(new InputError("computeClass", computeClass, oneOf(COMPUTE_CLASSES)));
  } else if (computeQos !== undefined) {
    const allowed = allowedQos((computeClass ?? "general-purpose") as ComputeClass);
    if (!(allowed as readonly string[]).includes(computeQos)) {
      errors.push(
        new InputError(
          "computeQos",
          computeQos,
          oneOf(allowed),
          computeClass === "gpu-hpn" ? "gpu-hpn runs only with qos default" : undefined,
        ),
      );
    }
  }
  return errors;
}

const GIB = 1024 ** 3;
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: GIB,
  Ti: 1024 ** 4,
};

/** Parses a Kubernetes CPU quantity (`500m`, `0.5`, `2`) into vCPUs; undefined when malformed. */
export function parseCpu(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(quantity.trim());
  if (!m) return undefined;
  const value = Number(m[1]) / (m[2] === "m" ? 1000 : 1);
  return value > 0 ? value : undefined;
}

/** Parses a Kubernetes memory quantity (`4Gi`, `512Mi`, `1G`, `1073741824`) into bytes. */
export function parseMemory(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!m) return undefined;
  const value = Number(m[1]) * MEMORY_UNITS[m[2] ?? ""];
  return value > 0 ? value : undefined;
}

/** The vCPU sizes ACS offers for general-purpose and performance pods. */
const CPU_SIZES: readonly number[] = [0.25, ...Array.from({ length: 32 }, (_, i) => (i + 1) * 0.5)];
const MAX_CPU = 16;

export interface PodSize {
  cpu: number;
  memoryGiB: number;
}

const DEFAULT_POD_SIZE: PodSize = { cpu: 2, memoryGiB: 4 };

/**
 * The size ACS bills for these total requests. Throws InputError when no size fits.
 * The result can be larger than asked: memory above 8 GiB per vCPU raises the vCPUs.
 */
export function billedPodSize(cpu: number, memoryBytes: number): PodSize {
  const memoryGiBAsked = Math.ceil(memoryBytes / GIB - 1e-9);
  const cpuSize = CPU_SIZES.find((size) => size >= cpu - 1e-9 && size * 8 >= memoryGiBAsked);
  if (cpuSize === undefined) {
    // Name the request that is out of range: memory fits no size only when it exceeds 8 GiB x 16 vCPU.
    const accepted = `at most ${MAX_CPU} vCPU and ${MAX_CPU * 8} GiB memory (8 GiB per vCPU)`;
    if (cpu > MAX_CPU + 1e-9)
      throw new InputError("cpu", cpu, accepted, `no ACS pod size has more than ${MAX_CPU} vCPU`);
    throw new InputError("memory", memoryBytes, accepted, `no ACS pod size has more than ${MAX_CPU * 8} GiB`);
  }
  return { cpu: cpuSize, memoryGiB: Math.max(memoryGiBAsked, Math.ceil(cpuSize)) };
}

export function describePodSize(size: PodSize): string {
  return `${size.cpu} vCPU / ${size.memoryGiB} GiB`;
}

/** What a pod asks for, the way the scheduler (and ACS's billing) adds its containers up. */
export interface PodRequests {
  cpu: number;
  memoryBytes: number;
  /** Some container sets a request (or a limit, which is then its request). */
  anySet: boolean;
  /** Quantities that could not be read (e.g. not known yet), as `container.resource=value`. */
  unreadable: string[];
}

type ContainerLike = {
  name?: unknown;
  restartPolicy?: unknown;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
};

/**
 * The pod's effective requests (Kubernetes, with native sidecars): the larger of
 *   the app containers plus every sidecar (init container with restartPolicy Always), and
 *   each regular init container plus the sidecars started before it;
 * per resource. A container without a request but with a limit requests its limit.
 */
export function podRequests(spec: { containers?: unknown; initContainers?: unknown }): PodRequests {
  const result: PodRequests = { cpu: 0, memoryBytes: 0, anySet: false, unreadable: [] };
  const read = (c: ContainerLike, resource: "cpu" | "memory"): number => {
    const raw = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
    if (raw === undefined || raw === null) return 0;
    result.anySet = true;
    const text = typeof raw === "number" ? String(raw) : raw;
    const value = typeof text === "string" ? (resource === "cpu" ? parseCpu(text) : parseMemory(text)) : undefined;
    if (value === undefined)
      result.unreadable.push(`${String(c.name ?? "?")}.${resource}=${JSON.stringify(raw) ?? String(raw)}`);
    return value ?? 0;
  };
  const list = (v: unknown) => (Array.isArray(v) ? (v as ContainerLike[]) : []);
  for (const resource of ["cpu", "memory"] as const) {
    let sidecars = 0;
    let initPeak = 0;
    for (const c of list(spec.initContainers)) {
      if (c.restartPolicy === "Always") sidecars += read(c, resource);
      else initPeak = Math.max(initPeak, sidecars + read(c, resource));
    }
    const total = Math.max(initPeak, sidecars + list(spec.containers).reduce((sum, c) => sum + read(c, resource), 0));
    if (resource === "cpu") result.cpu = total;
    else result.memoryBytes = total;
  }
  return result;
}

/** The size ACS bills for a pod spec: its effective requests rounded up, or the default without requests. */
export function billedPodSizeOf(spec: { containers?: unknown; initContainers?: unknown }): PodSize {
  const r = podRequests(spec);
  return r.anySet ? billedPodSize(r.cpu, r.memoryBytes) : DEFAULT_POD_SIZE;
}
