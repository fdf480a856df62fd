/**
 * The stack's configuration: one table of keys (type, default, accepted values) that Pulumi.yaml
 * documents (a test keeps the two equal), and one parser that the stack program and `render`
 * share. Every key is checked up front; a bad value fails with the key, the value and what is
 * accepted, before any resource is registered.
 */
import { COMPUTE_CLASSES, COMPUTE_QOS } from "./acs";
import { CAPABILITY_PROFILES, PROBE_KIND_NAMES, SECCOMP_PROFILES } from "./capabilities";
import { InputError, InputErrors, oneOf } from "./errors";
import { ARCHITECTURES } from "./kernel";
import { ResolvedWorkload, WORKLOAD_DEFAULTS, WorkloadOptions, resolveWorkload } from "./workloadOptions";

export const PROJECT = "acs-ebpf";

export type ConfigType = "string" | "boolean" | "integer" | "array";

export interface ConfigKey {
  type: ConfigType;
  description: string;
  default?: string | boolean | number | string[];
  /** Never echoed in an error or an output. */
  secret?: boolean;
}

export const CONFIG_KEYS = {
  name: { type: "string", default: "ebpf-workbench", description: "Name of the Deployment (a DNS-1123 label)." },
  namespace: { type: "string", default: "ebpf-workbench", description: "Namespace of the workload (a DNS-1123 label)." },
  createNamespace: {
    type: "boolean",
    default: WORKLOAD_DEFAULTS.createNamespace,
    description: "Create the namespace, labelled pod-security.kubernetes.io/enforce=privileged. When false the namespace must already admit privileged pods.",
  },
  image: {
    type: "string",
    description: "Image reference of the eBPF workbench, preferably by digest (repo@sha256:...).",
  },
  replicas: { type: "integer", default: WORKLOAD_DEFAULTS.replicas, description: "Number of pods, 0 to 100." },
  computeClass: {
    type: "string",
    default: WORKLOAD_DEFAULTS.computeClass,
    description: `ACS compute class, ${oneOf(COMPUTE_CLASSES)}.`,
  },
  computeQos: {
    type: "string",
    default: WORKLOAD_DEFAULTS.computeQos,
    description: `ACS compute QoS, ${oneOf(COMPUTE_QOS)} (gpu-hpn: default only).`,
  },
  cpu: { type: "string", default: WORKLOAD_DEFAULTS.cpu, description: "CPU request and limit (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps to 16." },
  memory: { type: "string", default: WORKLOAD_DEFAULTS.memory, description: "Memory request and limit (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and 8 x vCPU." },
  probeKinds: {
    type: "array",
    default: ["fentry"],
    description: `eBPF probe kinds the workload runs, each ${oneOf(PROBE_KIND_NAMES)}.`,
  },
  kernel: {
    type: "string",
    default: WORKLOAD_DEFAULTS.kernel,
    description: "Node kernel release (uname -r), or unknown. Decides SYS_RESOURCE (needed before 5.11) and the minimum kernel.",
  },
  architecture: { type: "string", default: WORKLOAD_DEFAULTS.architecture, description: `CPU architecture, ${oneOf(ARCHITECTURES)}.` },
  capabilityProfile: {
    type: "string",
    default: WORKLOAD_DEFAULTS.capabilityProfile,
    description: `${oneOf(CAPABILITY_PROFILES)}; vendor-demo reproduces the vendor document's seven capabilities and is high risk.`,
  },
  seccompProfile: {
    type: "string",
    default: WORKLOAD_DEFAULTS.seccompProfile,
    description: `Container seccomp profile, ${oneOf(SECCOMP_PROFILES)}.`,
  },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

export interface StackConfig {
  /** The options as configured (defaults applied), for the EbpfWorkload component. */
  workloadOptions: WorkloadOptions;
  /** The same, validated and resolved (capability plan, pod size, warnings). */
  workload: ResolvedWorkload;
  image: string;
}

/** The config key as a user writes it (`acs-ebpf:kernel`). */
export function qualified(key: string): string {
  return `${PROJECT}:${key}`;
}

const TYPE_DESCRIPTIONS: Record<ConfigType, string> = {
  string: "a string",
  boolean: "true or false",
  integer: "an integer",
  array: 'a list of strings (YAML list, or JSON such as ["fentry"])',
};

/**
 * Coerces one raw value (a string from the Pulumi engine, or a YAML value from a stack file) to
 * its declared type; undefined means the value does not have that type.
 */
function coerce(type: ConfigType, raw: unknown): unknown {
  switch (type) {
    case "string":
      return typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : undefined;
    case "boolean":
      return raw === true || raw === "true" ? true : raw === false || raw === "false" ? false : undefined;
    case "integer": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isInteger(n) ? n : undefined;
    }
    case "array": {
      let value = raw;
      if (typeof raw === "string") {
        try {
          value = JSON.parse(raw);
        } catch {
          return undefined;
        }
      }
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
    }
  }
}

/**
 * Parses the whole configuration map (`{"acs-ebpf:kernel": "5.10.134", "kubernetes:context": …}`):
 * keys of other namespaces are left to their owners; unknown keys of ours are errors (a typo
 * must not silently fall back to a default).
 */
export function parseStackConfig(values: Record<string, unknown>): StackConfig {
  const errors: InputError[] = [];
  const known = Object.keys(CONFIG_KEYS);
  const typed: Partial<Record<ConfigKeyName, unknown>> = {};

  for (const [fullKey, raw] of Object.entries(values)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!(key in CONFIG_KEYS)) {
      errors.push(new InputError(fullKey, raw, `a key of this project, ${oneOf(known)}`, "unknown config key"));
      continue;
    }
    const spec: ConfigKey = CONFIG_KEYS[key as ConfigKeyName];
    const value = coerce(spec.type, raw);
    if (value === undefined) {
      errors.push(new InputError(fullKey, spec.secret ? "[secret]" : raw, TYPE_DESCRIPTIONS[spec.type]));
    } else {
      typed[key as ConfigKeyName] = value;
    }
  }

  const get = <K extends ConfigKeyName>(key: K) => (typed[key] ?? (CONFIG_KEYS[key] as ConfigKey).default) as never;
  const image = typed.image as string | undefined;
  if (image === undefined || image.trim() === "") {
    errors.push(new InputError(qualified("image"), image, "an image reference such as registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:<64 hex>"));
  }

  const options: WorkloadOptions = {
    name: get("name"),
    namespace: get("namespace"),
    createNamespace: get("createNamespace"),
    replicas: get("replicas"),
    computeClass: get("computeClass"),
    computeQos: get("computeQos"),
    cpu: get("cpu"),
    memory: get("memory"),
    probeKinds: get("probeKinds"),
    kernel: get("kernel"),
    architecture: get("architecture"),
    capabilityProfile: get("capabilityProfile"),
    seccompProfile: get("seccompProfile"),
  };
  let workload: ResolvedWorkload | undefined;
  try {
    workload = resolveWorkload(options, `${PROJECT}:`);
  } catch (e) {
    if (!(e instanceof InputErrors)) throw e;
    errors.push(...e.errors);
  }
  if (errors.length > 0 || !workload) throw new InputErrors(errors);
  return { workloadOptions: options, workload, image: image as string };
}
