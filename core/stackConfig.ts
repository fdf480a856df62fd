/**
 * The stack's configuration: one table of keys (type, default, accepted values) that Pulumi.yaml
 * documents (a test keeps the two equal), and one parser that the stack program and `render`
 * share. Every key is checked up front; a bad value fails with the key, the value and what is
 * accepted, before any resource is registered.
 */
import { COMPUTE_CLASSES, COMPUTE_QOS } from "./acs";
import { parseTarget } from "./connectTarget";
import { CAPABILITY_PROFILES, PROBE_KIND_NAMES, SECCOMP_PROFILES } from "./capabilities";
import { InputError, InputErrors, oneOf } from "./errors";
import { WorkbenchImageArgs, WorkbenchImagePlan, planWorkbenchImage } from "./imagePlan";
import { ARCHITECTURES } from "./kernel";
import { parseImageReference, validateRegistryServer } from "./registry";
import { Placement, defaultProbeMode } from "./placement";
import type { WorkbenchPodOptions } from "./manifests";
import type { Toleration } from "./tolerations";
import { ResolvedWorkload, WORKLOAD_DEFAULTS, WorkloadOptions, resolveWorkload } from "./workloadOptions";

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
  namespace: { type: "string", default: "ebpf-workbench", description: "Namespace of the workload (a DNS-1123 label)." },
  createNamespace: {
    type: "boolean",
    default: WORKLOAD_DEFAULTS.createNamespace,
    description: "Create the namespace, labelled pod-security.kubernetes.io/enforce=privileged. When false the namespace must already admit privileged pods.",
  },
  image: {
    type: "string",
    description: "Use this image, no build: a reference by digest (repo@sha256:...) or by a tag other than latest. Set either image or imageRepository.",
  },
  imageRepository: {
    type: "string",
    description: "Build the workbench image and push it here (host/path, no tag), e.g. registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench. Needs the registry keys and a Docker engine.",
  },
  registryServer: {
    type: "string",
    description: "ACR endpoint to push to and pull from: registry[-intl][-vpc].<region>.aliyuncs.com, crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com or <instance>-registry[-vpc].<region>.cr.aliyuncs.com.",
  },
  registryUsername: { type: "string", description: "Registry user name. With registryPassword, also creates the imagePullSecret the Deployment uses." },
  registryPassword: { type: "string", secret: true, description: "Registry password: set it with `pulumi config set --secret registryPassword`." },
  pullRegistryServer: { type: "string", description: "Endpoint the pods pull from when it differs from registryServer, typically its -vpc variant." },
  goDownloadBaseUrl: { type: "string", description: "Mirror of the Go tarballs for the image build, e.g. https://mirrors.aliyun.com/golang/ (default: upstream)." },
  goproxy: { type: "string", description: "GOPROXY for the image build, e.g. https://mirrors.aliyun.com/goproxy/ (default: upstream)." },
  ciliumEbpfGitUrl: { type: "string", description: "Git URL of cilium/ebpf for the image build (default: upstream)." },
  yumUpdate: { type: "boolean", default: false, description: "Run a blanket yum update in the image build (default off: the pinned base image's packages)." },
  imageCacheFrom: { type: "array", description: "Image references whose layers seed the build cache." },
  verify: {
    type: "boolean",
    default: true,
    description: "Run the tcp_connect fentry trace in the pod during pulumi up (needs a cluster: kubernetes:kubeconfig, KUBECONFIG or ~/.kube/config).",
  },
  verifyTarget: { type: "string", description: "host:port the pod connects to during the check (IPv4); default a loopback port, which needs no network." },
  minimizeCapabilities: {
    type: "boolean",
    default: false,
    description: "Re-run the trace once per capability with it removed, to report which are necessary; grants SETPCAP while on.",
  },
  verifyReadyTimeoutSeconds: { type: "integer", default: 300, description: "Seconds to wait for a Ready pod, 1 to 3600." },
  verifyAttachTimeoutSeconds: { type: "integer", default: 30, description: "Seconds the tracer may take to attach, 1 to 3600." },
  verifyEventTimeoutSeconds: { type: "integer", default: 15, description: "Seconds to wait for the connection's trace event, 1 to 3600." },
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
  placement: {
    type: "string",
    default: "deployment",
    description: `Where the probe runs, ${oneOf(STACK_PLACEMENTS)}: a workbench Deployment on ACS, or a DaemonSet with one probe per node of a node-based cluster (ACK and others). sidecar is refused: this program has no application to add the probe to.`,
  },
  tolerations: {
    type: "array",
    items: "object",
    default: [],
    description: "Node placement: tolerations of the DaemonSet, Kubernetes Toleration objects (key, operator Exists or Equal, value, effect, tolerationSeconds). Default none: only untainted nodes; [{operator: Exists}] tolerates every taint.",
  },
} satisfies Record<string, ConfigKey>;

/** What the stack program can render: the sidecar needs an application workload, which only a stack of the application has. */
const SIDECAR_REFUSAL =
  "the sidecar goes into an application's pods and this program declares no application: use EbpfWorkbench with placement sidecar, or EbpfSidecarWorkload, in the stack that declares the application";

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

/** The TypeScript type of each key's value, from its declared config type. */
type ValueOf<T extends ConfigType> = T extends "boolean" ? boolean : T extends "integer" ? number : T extends "array" ? string[] : string;
type ConfigValues = { [K in ConfigKeyName]: (typeof CONFIG_KEYS)[K] extends { items: "object" } ? Record<string, unknown>[] : ValueOf<(typeof CONFIG_KEYS)[K]["type"]> };
/** A key's value, or its default (undefined for keys without one). */
type ConfigGetter = <K extends ConfigKeyName>(key: K) => ConfigValues[K];

/** Where the workload's image comes from. The registry password is never part of it. */
export type ImageSource =
  | { mode: "existing"; ref: string }
  | {
      mode: "build";
      /** WorkbenchImage arguments without the password (index.ts adds it as a secret). */
      args: Omit<WorkbenchImageArgs, "registry"> & { registry: { server: string; username: string } };
      plan: Extract<WorkbenchImagePlan, { mode: "build" }>;
    };

/** Credentials the pods pull with (an imagePullSecret); the password stays in the secret config. */
export interface PullCredentials {
  server: string;
  username: string;
}

/** The verification as configured; whether a cluster is reachable is decided by the program. */
export interface VerificationConfig {
  /** False when the stack says not to verify, or cannot (render-only, no replicas). */
  enabled: boolean;
  /** Why not, when not enabled. */
  skipReason?: string;
  target?: string;
  minimizeCapabilities: boolean;
  readyTimeoutSeconds: number;
  attachTimeoutSeconds: number;
  eventTimeoutSeconds: number;
}

export interface StackConfig {
  /** The options as configured (defaults applied), for the EbpfWorkload component. */
  workloadOptions: WorkloadOptions;
  /** The same, validated and resolved (capability plan, pod size, warnings). */
  workload: ResolvedWorkload;
  image: ImageSource;
  /** Set when registry credentials are configured: the Deployment then pulls with a Secret. */
  pullCredentials?: PullCredentials;
  /** `kubernetes:renderYamlToDirectory` is set: the stack writes YAML and talks to no cluster. */
  renderOnly: boolean;
  verification: VerificationConfig;
  /** How the probe container runs: the deployment placement's workbench shell, or the node placement's self-tested monitor. */
  pod: WorkbenchPodOptions;
  /** Warnings about the configuration itself (e.g. an image by tag); the workload has its own. */
  warnings: string[];
}

/** Stack config keys → the WorkbenchImage inputs they feed, to name errors by the key a user set. */
const IMAGE_INPUT_KEYS: Record<string, ConfigKeyName> = {
  existingImage: "image",
  repository: "imageRepository",
  registry: "registryServer",
  "registry.server": "registryServer",
  "registry.username": "registryUsername",
  "registry.password": "registryPassword",
  pullRegistryServer: "pullRegistryServer",
  architecture: "architecture",
  "mirrors.goDownloadBaseUrl": "goDownloadBaseUrl",
  "mirrors.goproxy": "goproxy",
  "mirrors.ciliumEbpfGitUrl": "ciliumEbpfGitUrl",
};

/** A secret value as it arrives: a string from the engine, `{secure: …}` in a stack file read by render. */
const SECRET_PRESENT = "[secret]";

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

const isMapping = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Coerces one raw value (a string from the Pulumi engine, or a YAML value from a stack file) to
 * its declared type; undefined means the value does not have that type.
 */
function coerce(type: ConfigType, raw: unknown, secret = false, items?: ConfigKey["items"]): unknown {
  if (secret) {
    const present = (typeof raw === "string" && raw !== "") || (typeof raw === "object" && raw !== null && "secure" in raw);
    return present ? SECRET_PRESENT : undefined;
  }
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
      return Array.isArray(value) && value.every((v) => (items === "object" ? isMapping(v) : typeof v === "string")) ? value : undefined;
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
  const typed: Partial<ConfigValues> = {};

  for (const [fullKey, raw] of Object.entries(values)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!(key in CONFIG_KEYS)) {
      errors.push(new InputError(fullKey, raw, `a key of this project, ${oneOf(known)}`, "unknown config key"));
      continue;
    }
    const spec: ConfigKey = CONFIG_KEYS[key as ConfigKeyName];
    const value = coerce(spec.type, raw, spec.secret, spec.items);
    if (value === undefined) {
      errors.push(new InputError(fullKey, spec.secret ? "[secret]" : raw, spec.items === "object" ? OBJECTS_DESCRIPTION : TYPE_DESCRIPTIONS[spec.type]));
    } else {
      (typed as Record<string, unknown>)[key] = value;
    }
  }

  const get: ConfigGetter = (key) => (typed[key] ?? (CONFIG_KEYS[key] as ConfigKey).default) as ConfigValues[typeof key];

  const placement = get("placement");
  const node = placement === "node";
  if (placement === "sidecar") errors.push(new InputError(qualified("placement"), placement, oneOf(STACK_PLACEMENTS), SIDECAR_REFUSAL));
  // The engine fills in every declared default, so with the node placement an ACS key at its
  // default is nobody's choice; only another value is the user's, and resolveWorkload refuses it.
  const unlessDefault = <K extends "replicas" | "computeClass" | "computeQos">(key: K): ConfigValues[K] | undefined =>
    node && get(key) === CONFIG_KEYS[key].default ? undefined : get(key);

  const options: WorkloadOptions = {
    name: get("name"),
    namespace: get("namespace"),
    createNamespace: get("createNamespace"),
    replicas: unlessDefault("replicas"),
    computeClass: unlessDefault("computeClass"),
    computeQos: unlessDefault("computeQos"),
    cpu: get("cpu"),
    memory: get("memory"),
    probeKinds: get("probeKinds"),
    kernel: get("kernel"),
    architecture: get("architecture"),
    capabilityProfile: get("capabilityProfile"),
    seccompProfile: get("seccompProfile"),
    minimizeCapabilities: get("minimizeCapabilities"),
    placement: placement as WorkloadOptions["placement"],
    tolerations: get("tolerations") as Toleration[],
  };
  let workload: ResolvedWorkload | undefined;
  try {
    workload = resolveWorkload(options, `${PROJECT}:`);
  } catch (e) {
    if (!(e instanceof InputErrors)) throw e;
    errors.push(...e.errors);
  }
  const renderOnly = values["kubernetes:renderYamlToDirectory"] !== undefined;
  const warnings: string[] = [];
  const image = parseImageSource(typed, get("architecture"), errors, warnings);
  const pullCredentials = parsePullCredentials(typed, errors);
  if (pullCredentials && renderOnly) {
    errors.push(
      new InputError(qualified("registryPassword"), SECRET_PRESENT, "no registry credentials on a stack that sets kubernetes:renderYamlToDirectory", "that option writes Secret data to disk in plain text"),
    );
  }
  const verification = parseVerification(typed, get, renderOnly, options.replicas ?? 1, node, errors);
  // Nobody execs into a DaemonSet's pods: the node placement runs the trace and checks itself with the self-test.
  const pod: WorkbenchPodOptions = node ? { mode: defaultProbeMode("node"), selfTest: true } : {};
  // One message per key: the image plan and the credential check may both object to the same key.
  const unique = errors.filter((e, i) => errors.findIndex((other) => other.input === e.input) === i);
  if (unique.length > 0 || !workload || !image) throw new InputErrors(unique);
  return { workloadOptions: options, workload, image, pullCredentials, renderOnly, verification, pod, warnings };
}

const MAX_TIMEOUT_SECONDS = 3600;

function parseVerification(
  typed: Partial<ConfigValues>,
  get: ConfigGetter,
  renderOnly: boolean,
  replicas: number,
  node: boolean,
  errors: InputError[],
): VerificationConfig {
  if (node) {
    // The exec verification checks a Deployment's pod; the node placement checks itself (selfTest).
    const why = "the node placement verifies itself with the self-test startupProbe; the exec verification checks a Deployment";
    if (typed.verifyTarget !== undefined) errors.push(new InputError(qualified("verifyTarget"), typed.verifyTarget, "unset with placement node", why));
    if (get("minimizeCapabilities")) errors.push(new InputError(qualified("minimizeCapabilities"), true, "false with placement node", why));
  }
  const target = typed.verifyTarget;
  if (target !== undefined) {
    try {
      parseTarget(target);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(new InputError(qualified("verifyTarget"), target, e.accepted));
    }
  }
  const seconds = (key: "verifyReadyTimeoutSeconds" | "verifyAttachTimeoutSeconds" | "verifyEventTimeoutSeconds"): number => {
    const value = get(key);
    if (value < 1 || value > MAX_TIMEOUT_SECONDS) errors.push(new InputError(qualified(key), value, `an integer from 1 to ${MAX_TIMEOUT_SECONDS}`));
    return value;
  };
  const skipReason = node
    ? "acs-ebpf:placement is node: each DaemonSet pod checks itself with the self-test startupProbe, and the rollout waits for it"
    : !get("verify")
    ? "acs-ebpf:verify is false"
    : renderOnly
      ? "kubernetes:renderYamlToDirectory is set: this stack writes YAML and talks to no cluster"
      : replicas === 0
        ? "acs-ebpf:replicas is 0: there is no pod to run the trace in"
        : undefined;
  return {
    enabled: skipReason === undefined,
    skipReason,
    target,
    minimizeCapabilities: get("minimizeCapabilities"),
    readyTimeoutSeconds: seconds("verifyReadyTimeoutSeconds"),
    attachTimeoutSeconds: seconds("verifyAttachTimeoutSeconds"),
    eventTimeoutSeconds: seconds("verifyEventTimeoutSeconds"),
  };
}

function parseImageSource(
  typed: Partial<ConfigValues>,
  architecture: string,
  errors: InputError[],
  warnings: string[],
): ImageSource | undefined {
  const image = typed.image;
  const repository = typed.imageRepository;
  const buildKeys = (["imageRepository", "goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl", "imageCacheFrom"] as const).filter((k) => typed[k] !== undefined);
  if (image !== undefined && buildKeys.length > 0) {
    errors.push(new InputError(qualified("image"), image, `either image (no build) or imageRepository (build), not both with ${buildKeys.map(qualified).join(", ")}`));
    return undefined;
  }
  if (image !== undefined) {
    try {
      const ref = parseImageReference(image, qualified("image"));
      if (!ref.digest) {
        if (!ref.tag || ref.tag === "latest") {
          throw new InputError(qualified("image"), image, "a reference by digest (repo@sha256:<64 hex>) or by a fixed tag", "`latest` or no tag moves under the Deployment");
        }
        warnings.push(`Image ${image} is pinned by tag, not digest: it is pulled on every start (imagePullPolicy Always) and a re-pushed tag does not roll out. Prefer repo@sha256:<digest>.`);
      }
      return { mode: "existing", ref: image };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(e);
      return undefined;
    }
  }
  if (repository === undefined) {
    errors.push(new InputError(qualified("image"), undefined, "an image reference (image), or imageRepository with the registry keys to build one"));
    return undefined;
  }
  const args = {
    repository,
    registry: { server: typed.registryServer as string, username: typed.registryUsername as string },
    pullRegistryServer: typed.pullRegistryServer,
    architecture,
    mirrors: mirrorsOf(typed),
    cacheFrom: typed.imageCacheFrom,
    yumUpdate: typed.yumUpdate,
  };
  try {
    const plan = planWorkbenchImage({ ...args, registry: { ...args.registry, password: typed.registryPassword as string } });
    if (plan.mode !== "build") throw new Error("unreachable: no existingImage given");
    return { mode: "build", args, plan };
  } catch (e) {
    if (!(e instanceof InputErrors)) throw e;
    errors.push(...e.errors.map((err) => renameInput(err)));
    return undefined;
  }
}

/** The mirror keys that are set; undefined when none is (the build then uses upstream). */
function mirrorsOf(typed: Partial<ConfigValues>): Record<string, string> | undefined {
  const set = (["goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl"] as const).filter((k) => typed[k] !== undefined);
  return set.length > 0 ? Object.fromEntries(set.map((k) => [k, typed[k] as string])) : undefined;
}

/** `registry.server` → `acs-ebpf:registryServer`, so the error names what the user set. */
function renameInput(e: InputError): InputError {
  const key = IMAGE_INPUT_KEYS[e.input] ?? (e.input.startsWith("cacheFrom") ? "imageCacheFrom" : undefined);
  return key ? new InputError(qualified(key), e.value, e.accepted, e.detail) : e;
}

function parsePullCredentials(typed: Partial<ConfigValues>, errors: InputError[]): PullCredentials | undefined {
  const username = typed.registryUsername;
  if (username === undefined && typed.registryPassword === undefined) return undefined;
  const server = typed.pullRegistryServer ?? typed.registryServer;
  const missing = (["registryServer", "registryUsername", "registryPassword"] as const).filter((k) => typed[k] === undefined);
  for (const key of missing) {
    errors.push(new InputError(qualified(key), undefined, "a value: registryServer, registryUsername and registryPassword go together"));
  }
  if (missing.length > 0 || !server || !username) return undefined;
  try {
    validateRegistryServer(server, qualified(typed.pullRegistryServer ? "pullRegistryServer" : "registryServer"));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    if (!errors.some((x) => x.input === e.input)) errors.push(e);
    return undefined;
  }
  return { server, username };
}
