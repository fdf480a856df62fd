/**
 * The stack's configuration: one parser, over the key table of core/configKeys.ts, that the
 * stack program and `render` share. Every key is checked up front; a bad value fails with the
 * key, the value and what is accepted, before any resource is registered.
 */
import {
  CONFIG_KEYS,
  ConfigGetter,
  ConfigKey,
  ConfigKeyName,
  ConfigValues,
  PROJECT,
  SECRET_PRESENT,
  STACK_PLACEMENTS,
  coerce,
  describeType,
  qualified,
} from "./configKeys";
import { parseTarget } from "./connectTarget";
import { InputError, InputErrors, oneOf } from "./errors";
import { WorkbenchImageArgs, WorkbenchImagePlan, planWorkbenchImage } from "./imagePlan";
import { requirePinnedReference, validateRegistryServer } from "./registry";
import { defaultProbeMode } from "./placement";
import type { WorkbenchPodOptions } from "./manifests";
import type { Toleration } from "./tolerations";
import { ResolvedWorkload, WorkloadOptions, resolveWorkload } from "./workloadOptions";
import type { PinnedVersions } from "./workbenchVersions";

// The key table is its own module; callers keep importing it from here.
export { CONFIG_KEYS, PROJECT, qualified } from "./configKeys";
export type { ConfigType } from "./configKeys";

/** What the stack program can render: the sidecar needs an application workload, which only a stack of the application has. */
const SIDECAR_REFUSAL =
  "the sidecar goes into an application's pods and this program declares no application: use EbpfWorkbench with placement sidecar, or EbpfSidecarWorkload, in the stack that declares the application";

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
interface PullCredentials {
  server: string;
  username: string;
}

/** The verification as configured; whether a cluster is reachable is decided by the program. */
interface VerificationConfig {
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

/**
 * Parses the whole configuration map (`{"acs-ebpf:kernel": "5.10.134", "kubernetes:context": …}`):
 * keys of other namespaces are left to their owners; unknown keys of ours are errors (a typo
 * must not silently fall back to a default).
 */
export function parseStackConfig(values: Record<string, unknown>, versions: PinnedVersions): StackConfig {
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
      errors.push(new InputError(fullKey, spec.secret ? SECRET_PRESENT : raw, describeType(spec)));
    } else {
      (typed as Record<string, unknown>)[key] = value;
    }
  }

  const get: ConfigGetter = (key) =>
    (typed[key] ?? (CONFIG_KEYS[key] as ConfigKey).default) as ConfigValues[typeof key];

  const placement = get("placement");
  const node = placement === "node";
  if (placement === "sidecar")
    errors.push(new InputError(qualified("placement"), placement, oneOf(STACK_PLACEMENTS), SIDECAR_REFUSAL));
  // The engine fills in every declared default, so with the node placement an ACS key at its
  // default is nobody's choice; only another value is the user's, and resolveWorkload refuses it.
  const unlessDefault = <K extends "replicas" | "computeClass" | "computeQos">(key: K): ConfigValues[K] | undefined =>
    node && get(key) === CONFIG_KEYS[key].default ? undefined : get(key);

  const renderOnly = values["kubernetes:renderYamlToDirectory"] !== undefined;
  const options: WorkloadOptions = {
    name: get("name"),
    namespace: get("namespace"),
    createNamespace: get("createNamespace"),
    // A render-only stack has no cluster to read the namespace from.
    checkPodSecurity: get("checkPodSecurity") && !renderOnly,
    rolloutTimeoutSeconds: get("rolloutTimeoutSeconds"),
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
  const warnings: string[] = [];
  const image = parseImageSource(typed, get("architecture"), versions, errors, warnings);
  const pullCredentials = parsePullCredentials(typed, errors);
  if (pullCredentials && renderOnly) {
    errors.push(
      new InputError(
        qualified("registryPassword"),
        SECRET_PRESENT,
        "no registry credentials on a stack that sets kubernetes:renderYamlToDirectory",
        "that option writes Secret data to disk in plain text",
      ),
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
    const why =
      "the node placement verifies itself with the self-test startupProbe; the exec verification checks a Deployment";
    if (typed.verifyTarget !== undefined)
      errors.push(new InputError(qualified("verifyTarget"), typed.verifyTarget, "unset with placement node", why));
    if (get("minimizeCapabilities"))
      errors.push(new InputError(qualified("minimizeCapabilities"), true, "false with placement node", why));
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
  const seconds = (
    key: "verifyReadyTimeoutSeconds" | "verifyAttachTimeoutSeconds" | "verifyEventTimeoutSeconds",
  ): number => {
    const value = get(key);
    if (value < 1 || value > MAX_TIMEOUT_SECONDS)
      errors.push(new InputError(qualified(key), value, `an integer from 1 to ${MAX_TIMEOUT_SECONDS}`));
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
  versions: PinnedVersions,
  errors: InputError[],
  warnings: string[],
): ImageSource | undefined {
  const image = typed.image;
  const repository = typed.imageRepository;
  const buildKeys = (
    ["imageRepository", "goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl", "imageCacheFrom"] as const
  ).filter((k) => typed[k] !== undefined);
  if (image !== undefined && buildKeys.length > 0) {
    errors.push(
      new InputError(
        qualified("image"),
        image,
        `either image (no build) or imageRepository (build), not both with ${buildKeys.map(qualified).join(", ")}`,
      ),
    );
    return undefined;
  }
  if (image !== undefined) {
    try {
      const ref = requirePinnedReference(image, qualified("image"), true);
      if (!ref.digest) {
        warnings.push(
          `Image ${image} is pinned by tag, not digest: it is pulled on every start (imagePullPolicy Always) and a re-pushed tag does not roll out. Prefer repo@sha256:<digest>.`,
        );
      }
      return { mode: "existing", ref: image };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(e);
      return undefined;
    }
  }
  if (repository === undefined) {
    errors.push(
      new InputError(
        qualified("image"),
        undefined,
        "an image reference (image), or imageRepository with the registry keys to build one",
      ),
    );
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
    const plan = planWorkbenchImage(
      {
        ...args,
        registry: { ...args.registry, password: typed.registryPassword as string },
      },
      versions,
    );
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
  const missing = (["registryServer", "registryUsername", "registryPassword"] as const).filter(
    (k) => typed[k] === undefined,
  );
  for (const key of missing) {
    errors.push(
      new InputError(
        qualified(key),
        undefined,
        "a value: registryServer, registryUsername and registryPassword go together",
      ),
    );
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
