/** The check's options: what a caller may set, and their validation with defaults (pure). */
import { TRACER_BINARY_PATH } from "../core/workload";
import { PROBE_KINDS, ProbeKind } from "../core/capabilities";
import { InputError } from "../core/errors";
import { isDnsSubdomain } from "../core/kubernetesNames";
import { parseTarget } from "../core/connectTarget";

const DEFAULT_BTF_PATH = "/sys/kernel/btf/vmlinux";

export interface CheckOptions {
  namespace: string;
  /** The Deployment whose pod is checked. */
  deployment: string;
  /** Label selector of the pods; default: read from the Deployment's spec.selector.matchLabels. */
  labelSelector?: string;
  /** Container to exec into; default: the pod's first container. */
  container?: string;
  /** `host:port` to connect to from inside the pod; default an IPv4 loopback port (no network needed). */
  target?: string;
  /** Default TRACER_BINARY_PATH (the prebuilt examples/fentry in the workbench image). */
  tracerPath?: string;
  btfPath?: string;
  /** Probe kinds for the excess-capability audit; default fentry. */
  probeKinds?: ProbeKind[];
  /** Rerun once per effective capability with it removed; needs CAP_SETPCAP and setpriv in the container. */
  minimizeCapabilities?: boolean;
  /** Default 300 000 (5 minutes). */
  readyTimeoutMs?: number;
  /** Default 2 000. */
  pollIntervalMs?: number;
  /** Time for the tracer to print its header; default 30 000. */
  attachTimeoutMs?: number;
  /** Time from the connection to its event; default 15 000. */
  eventTimeoutMs?: number;
  /** Time the tracer gets to exit after SIGINT (and again after SIGKILL); default 3 000. */
  stopGraceMs?: number;
  /** Bound on the short commands (preflight, connect, kill); default 20 000. */
  commandTimeoutMs?: number;
  /** How many events the result carries; default 5. */
  sampleEvents?: number;
  /** For tests: the loopback port when no target is given. */
  randomPort?: () => number;
}

/** Options after validation, every default filled in. */
export interface ResolvedOptions {
  namespace: string;
  deployment: string;
  tracerPath: string;
  btfPath: string;
  probeKinds: ProbeKind[];
  readyTimeoutMs: number;
  pollIntervalMs: number;
  attachTimeoutMs: number;
  eventTimeoutMs: number;
  stopGraceMs: number;
  commandTimeoutMs: number;
  sampleEvents: number;
  host: string;
  port: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new InputError(name, value, "a positive number of milliseconds");
  return value;
}

/** Validates options; throws an error naming the input, the value and what is accepted. */
export function resolveOptions(options: CheckOptions): ResolvedOptions {
  if (!isDnsSubdomain(options.namespace)) {
    throw new InputError("namespace", options.namespace, "a Kubernetes namespace name (lowercase DNS label)");
  }
  if (!isDnsSubdomain(options.deployment)) {
    throw new InputError("deployment", options.deployment, "a Kubernetes Deployment name (lowercase DNS subdomain)");
  }
  const probeKinds = options.probeKinds ?? ["fentry"];
  for (const k of probeKinds) {
    if (!(k in PROBE_KINDS)) throw new InputError("probeKinds", k, `one of: ${Object.keys(PROBE_KINDS).join(", ")}`);
  }
  let host = "127.0.0.1";
  let port: number;
  if (options.target !== undefined) {
    ({ host, port } = parseTarget(options.target));
  } else {
    port = options.randomPort ? options.randomPort() : 20000 + Math.floor(Math.random() * 10000);
  }
  return {
    namespace: options.namespace,
    deployment: options.deployment,
    tracerPath: options.tracerPath ?? TRACER_BINARY_PATH,
    btfPath: options.btfPath ?? DEFAULT_BTF_PATH,
    probeKinds: [...probeKinds],
    readyTimeoutMs: positive("readyTimeoutMs", options.readyTimeoutMs, 300_000),
    pollIntervalMs: positive("pollIntervalMs", options.pollIntervalMs, 2_000),
    attachTimeoutMs: positive("attachTimeoutMs", options.attachTimeoutMs, 30_000),
    eventTimeoutMs: positive("eventTimeoutMs", options.eventTimeoutMs, 15_000),
    stopGraceMs: positive("stopGraceMs", options.stopGraceMs, 3_000),
    commandTimeoutMs: positive("commandTimeoutMs", options.commandTimeoutMs, 20_000),
    sampleEvents: options.sampleEvents ?? 5,
    host,
    port,
  };
}
