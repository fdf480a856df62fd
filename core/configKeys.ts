/**
 * The stack's config keys: one table (type, default, accepted values) that Pulumi.yaml documents
 * (a test keeps the two equal); the probe's options take their description and default from
 * core/options.ts, where each is defined once. And the coercion of a raw value, as the engine or a stack file
 * gives it, to the key's declared type. core/stackConfig.ts parses a whole configuration with it.
 */
import { oneOf } from "./errors";
import { OPTIONS, WORKLOAD_DEFAULTS } from "./options";
import type { Placement } from "./placement";

export const PROJECT = "acs-ebpf";

/** The placements the stack program renders (core/placement.ts has all three). */
export const STACK_PLACEMENTS = ["deployment", "node"] as const satisfies readonly Placement[];

export type ConfigType = "string" | "boolean" | "integer" | "array";

export interface ConfigKey {
  type: ConfigType;
  /** What an array holds (default strings); Pulumi.yaml declares it as the array's `items`. */
  items?: "object";
  description: string;
  default?: string | boolean | number | string[];
  /** Never echoed in an error or an output. */
  secret?: boolean;
}

export const CONFIG_KEYS = {
  name: { type: "string", default: "ebpf-workbench", description: "Name of the Deployment (a DNS-1123 label)." },
  namespace: { type: "string", default: "ebpf-workbench", description: OPTIONS.namespace.doc },
  createNamespace: {
    type: "boolean",
    default: WORKLOAD_DEFAULTS.createNamespace,
    description: OPTIONS.createNamespace.doc,
  },
  checkPodSecurity: {
    type: "boolean",
    default: WORKLOAD_DEFAULTS.checkPodSecurity,
    // A stack that sets kubernetes:renderYamlToDirectory has no cluster to read: it never checks (core/stackConfig.ts).
    description: OPTIONS.checkPodSecurity.doc,
  },
  rolloutTimeoutSeconds: {
    type: "integer",
    default: WORKLOAD_DEFAULTS.rolloutTimeoutSeconds,
    description: OPTIONS.rolloutTimeoutSeconds.doc,
  },
  image: {
    type: "string",
    description:
      "Use this image, no build: a reference by digest (repo@sha256:...) or by a tag other than latest. Set either image or imageRepository.",
  },
  imageRepository: {
    type: "string",
    description:
      "Build the workbench image and push it here (host/path, no tag), e.g. registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench. Needs the registry keys and a Docker engine.",
  },
  registryServer: {
    type: "string",
    description:
      "ACR endpoint to push to and pull from: registry[-intl][-vpc].<region>.aliyuncs.com, crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com or <instance>-registry[-vpc].<region>.cr.aliyuncs.com.",
  },
  registryUsername: {
    type: "string",
    description: "Registry user name. With registryPassword, also creates the imagePullSecret the Deployment uses.",
  },
  registryPassword: {
    type: "string",
    secret: true,
    description: "Registry password: set it with `pulumi config set --secret registryPassword`.",
  },
  pullRegistryServer: {
    type: "string",
    description: "Endpoint the pods pull from when it differs from registryServer, typically its -vpc variant.",
  },
  goDownloadBaseUrl: {
    type: "string",
    description:
      "Mirror of the Go tarballs for the image build, e.g. https://mirrors.aliyun.com/golang/ (default: upstream).",
  },
  goproxy: {
    type: "string",
    description: "GOPROXY for the image build, e.g. https://mirrors.aliyun.com/goproxy/ (default: upstream).",
  },
  ciliumEbpfGitUrl: { type: "string", description: "Git URL of cilium/ebpf for the image build (default: upstream)." },
  yumUpdate: {
    type: "boolean",
    default: false,
    description: "Run a blanket yum update in the image build (default off: the pinned base image's packages).",
  },
  imageCacheFrom: { type: "array", description: "Image references whose layers seed the build cache." },
  verify: {
    type: "boolean",
    default: true,
    description:
      "Run the tcp_connect fentry trace in the pod during pulumi up (needs a cluster: kubernetes:kubeconfig, KUBECONFIG or ~/.kube/config).",
  },
  verifyTarget: {
    type: "string",
    description:
      "host:port the pod connects to during the check (IPv4); default a loopback port, which needs no network.",
  },
  minimizeCapabilities: {
    type: "boolean",
    default: WORKLOAD_DEFAULTS.minimizeCapabilities,
    description: OPTIONS.minimizeCapabilities.doc,
  },
  verifyReadyTimeoutSeconds: {
    type: "integer",
    default: 300,
    description: "Seconds to wait for a Ready pod, 1 to 3600.",
  },
  verifyAttachTimeoutSeconds: {
    type: "integer",
    default: 30,
    description: "Seconds the tracer may take to attach, 1 to 3600.",
  },
  verifyEventTimeoutSeconds: {
    type: "integer",
    default: 15,
    description: "Seconds to wait for the connection's trace event, 1 to 3600.",
  },
  replicas: { type: "integer", default: WORKLOAD_DEFAULTS.replicas, description: OPTIONS.replicas.doc },
  computeClass: { type: "string", default: WORKLOAD_DEFAULTS.computeClass, description: OPTIONS.computeClass.doc },
  computeQos: { type: "string", default: WORKLOAD_DEFAULTS.computeQos, description: OPTIONS.computeQos.doc },
  cpu: { type: "string", default: WORKLOAD_DEFAULTS.cpu, description: OPTIONS.cpu.doc },
  memory: { type: "string", default: WORKLOAD_DEFAULTS.memory, description: OPTIONS.memory.doc },
  probeKinds: { type: "array", default: [...WORKLOAD_DEFAULTS.probeKinds], description: OPTIONS.probeKinds.doc },
  kernel: { type: "string", default: WORKLOAD_DEFAULTS.kernel, description: OPTIONS.kernel.doc },
  architecture: { type: "string", default: WORKLOAD_DEFAULTS.architecture, description: OPTIONS.architecture.doc },
  capabilityProfile: {
    type: "string",
    default: WORKLOAD_DEFAULTS.capabilityProfile,
    description: OPTIONS.capabilityProfile.doc,
  },
  seccompProfile: {
    type: "string",
    default: WORKLOAD_DEFAULTS.seccompProfile,
    description: OPTIONS.seccompProfile.doc,
  },
  placement: {
    type: "string",
    default: "deployment",
    description: `Where the probe runs, ${oneOf(STACK_PLACEMENTS)}: a workbench Deployment on ACS, or a DaemonSet with one probe per node of a node-based cluster (ACK and others). sidecar is refused: this program has no application to add the probe to.`,
  },
  tolerations: { type: "array", items: "object", default: [], description: OPTIONS.tolerations.doc },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

/** The TypeScript type of each key's value, from its declared config type. */
type ValueOf<T extends ConfigType> = T extends "boolean"
  ? boolean
  : T extends "integer"
    ? number
    : T extends "array"
      ? string[]
      : string;
export type ConfigValues = {
  [K in ConfigKeyName]: (typeof CONFIG_KEYS)[K] extends { items: "object" }
    ? Record<string, unknown>[]
    : ValueOf<(typeof CONFIG_KEYS)[K]["type"]>;
};
/** A key's value, or its default (undefined for keys without one). */
export type ConfigGetter = <K extends ConfigKeyName>(key: K) => ConfigValues[K];

/** A secret value as it arrives: a string from the engine, `{secure: …}` in a stack file read by render. */
export const SECRET_PRESENT = "[secret]";

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
const OBJECTS_DESCRIPTION = 'a list of mappings (YAML list, or JSON such as [{"key":"dedicated","operator":"Exists"}])';

/** What a value of this key must look like, for the error when it does not. */
export function describeType(spec: ConfigKey): string {
  return spec.items === "object" ? OBJECTS_DESCRIPTION : TYPE_DESCRIPTIONS[spec.type];
}

const isMapping = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Coerces one raw value (a string from the Pulumi engine, or a YAML value from a stack file) to
 * its declared type; undefined means the value does not have that type.
 */
export function coerce(type: ConfigType, raw: unknown, secret = false, items?: ConfigKey["items"]): unknown {
  if (secret) {
    const present =
      (typeof raw === "string" && raw !== "") || (typeof raw === "object" && raw !== null && "secure" in raw);
    return present ? SECRET_PRESENT : undefined;
  }
  switch (type) {
    case "string":
      return typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : undefined;
    case "boolean":
      return raw === true || raw === "true" ? true : raw === false || raw === "false" ? false : undefined;
    case "integer": {
      const n =
        typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
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
      return Array.isArray(value) && value.every((v) => (items === "object" ? isMapping(v) : typeof v === "string"))
        ? value
        : undefined;
    }
  }
}
