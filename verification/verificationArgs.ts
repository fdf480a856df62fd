/**
 * The plain-value arguments of TcpConnectVerification, checked before anything is registered (an
 * argument that is a Pulumi Output is checked by the provider when it resolves). Each error names
 * the argument, the value and what is accepted.
 */
import { parseTarget } from "../core/connectTarget";
import { InputError } from "../core/errors";
import { isDnsLabel, isLabelKey, isLabelValue } from "../core/kubernetesNames";
import { parseImageReference } from "../core/registry";
import { isDeferred } from "../core/workloadOptions";
import { resolveOptions } from "./checkOptions";

const MAX_TIMEOUT_SECONDS = 3600;
const MAX_KUBECONFIG_BYTES = 1 << 20;
const MAX_SKIP_REASON = 1000;
// kubeconfig context names seen in the wild: `admin@cluster`, `arn:aws:eks:…:cluster/x`, `kind-dev`.
const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9._@:/+-]{0,252}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/+-]{1,4095}$/;

export interface VerificationArgValues {
  namespace?: unknown;
  deployment?: unknown;
  kubeconfig?: unknown;
  skipReason?: unknown;
  context?: unknown;
  image?: unknown;
  podTemplate?: unknown;
  selector?: unknown;
  container?: unknown;
  target?: unknown;
  probeKinds?: unknown;
  minimizeCapabilities?: unknown;
  readyTimeoutSeconds?: unknown;
  attachTimeoutSeconds?: unknown;
  eventTimeoutSeconds?: unknown;
  tracerPath?: unknown;
}

type Check = (value: unknown) => string | undefined;

const text =
  (accepted: string, ok: (s: string) => boolean): Check =>
  (v) =>
    typeof v === "string" && ok(v) ? undefined : accepted;
const record =
  (accepted: string, ok: (o: Record<string, unknown>) => boolean): Check =>
  (v) =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length > 0 &&
    ok(v as Record<string, unknown>)
      ? undefined
      : accepted;
const seconds: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0 && v <= MAX_TIMEOUT_SECONDS
    ? undefined
    : `a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS}`;

/** Optional arguments: checked only when given as plain values. */
const OPTIONAL: Record<string, Check> = {
  kubeconfig: text(
    `kubeconfig content (YAML or JSON), at most ${MAX_KUBECONFIG_BYTES} bytes`,
    (s) => s.trim() !== "" && s.length <= MAX_KUBECONFIG_BYTES,
  ),
  skipReason: text(
    `a sentence saying why the check is skipped, at most ${MAX_SKIP_REASON} characters`,
    (s) => s.trim() !== "" && s.length <= MAX_SKIP_REASON,
  ),
  context: text("a kubeconfig context name (letters, digits and . _ @ : / + -, at most 253)", (s) => CONTEXT.test(s)),
  container: text("a container name (DNS-1123 label)", isDnsLabel),
  tracerPath: text("an absolute path in the image (letters, digits and . _ / + -)", (s) => ABSOLUTE_PATH.test(s)),
  selector: record("labels {key: value} that select the pods (Kubernetes label keys and values)", (o) =>
    Object.entries(o).every(([k, v]) => isLabelKey(k) && isLabelValue(v)),
  ),
  minimizeCapabilities: (v) => (typeof v === "boolean" ? undefined : "true or false"),
  probeKinds: (v) =>
    Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === "string")
      ? undefined
      : 'a non-empty list of probe kinds, e.g. ["fentry"]',
  readyTimeoutSeconds: seconds,
  attachTimeoutSeconds: seconds,
  eventTimeoutSeconds: seconds,
};

export function verificationArgErrors(args: VerificationArgValues): InputError[] {
  const errors: InputError[] = [];
  const given = args as Record<string, unknown>;
  for (const [key, check] of Object.entries(OPTIONAL)) {
    const v = given[key];
    if (v === undefined || isDeferred(v)) continue;
    const accepted = check(v);
    if (accepted) errors.push(new InputError(key, v, accepted));
  }
  if (!isDeferred(args.image)) {
    try {
      parseImageReference(args.image, "image");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(e);
    }
  }
  if (!isDeferred(args.podTemplate)) {
    const accepted = record(
      "the Deployment's pod template (an object with metadata and spec)",
      () => true,
    )(args.podTemplate);
    if (accepted) errors.push(new InputError("podTemplate", args.podTemplate, accepted));
  }
  if (args.target !== undefined && !isDeferred(args.target)) {
    try {
      if (typeof args.target !== "string") throw new InputError("target", args.target, "");
      parseTarget(args.target);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      errors.push(
        new InputError(
          "target",
          args.target,
          "host:port with an IPv4 address or host name and a port 1-65535, e.g. 127.0.0.1:8080",
        ),
      );
    }
  }
  // Names and probe kinds: the check's own option rules, one source of truth.
  const plain = (v: unknown) => (isDeferred(v) ? undefined : v);
  for (const key of ["namespace", "deployment"] as const) {
    const v = plain(args[key]);
    if (v !== undefined && typeof v !== "string")
      errors.push(
        new InputError(
          key,
          v,
          key === "namespace"
            ? "a Kubernetes namespace name (lowercase DNS label)"
            : "a Kubernetes Deployment name (lowercase DNS subdomain)",
        ),
      );
  }
  try {
    resolveOptions({
      namespace: typeof plain(args.namespace) === "string" ? (args.namespace as string) : "placeholder",
      deployment: typeof plain(args.deployment) === "string" ? (args.deployment as string) : "placeholder",
      probeKinds: Array.isArray(args.probeKinds) && args.probeKinds.length > 0 ? (args.probeKinds as never) : undefined,
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Name the whole probeKinds argument as given, not just the one bad kind.
    errors.push(new InputError(e.input, e.input === "probeKinds" ? args.probeKinds : e.value, e.accepted));
  }
  return errors.filter((e, i) => errors.findIndex((o) => o.input === e.input) === i);
}
