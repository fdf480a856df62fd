/**
 * Tolerations of the node placement's DaemonSet: which tainted nodes (control plane, dedicated
 * pools) the probe may run on. The same rules as the API server's ValidateTolerations
 * (kubernetes pkg/apis/core/validation): a key is a label key; an empty key needs operator
 * Exists; Exists takes no value; Equal takes a label value; tolerationSeconds only with NoExecute;
 * effect NoSchedule, PreferNoSchedule, NoExecute, or empty for every effect. Checked here, before
 * anything is registered, so a bad toleration never reaches the cluster as a failed apply.
 *
 * Default: none. The DaemonSet controller itself adds the tolerations every DaemonSet pod gets
 * (node.kubernetes.io/not-ready and unreachable NoExecute; disk-, memory-, pid-pressure and
 * unschedulable NoSchedule), so the probe still runs on healthy and struggling untainted nodes.
 * Tainted nodes are a decision of the platform team: a pod with CAP_BPF and CAP_PERFMON reads
 * kernel memory, so on a control-plane node it could read what etcd and the API server hold, and
 * on a dedicated pool what its tenants hold. cilium and tetragon tolerate everything
 * (`operator: Exists`) because every node must run them; falco tolerates only control-plane
 * NoSchedule. A tracing workbench is neither, so it goes where it is told: `[{ operator: "Exists" }]`
 * is the one line that opts in to every node.
 */
import { InputError, oneOf } from "./errors";
import { isLabelKey, isLabelValue } from "./kubernetesNames";

/** How a toleration matches a taint's value. */
export const TolerationOperator = {
  /** The taint's key exists (any value); with no key, every taint. */
  Exists: "Exists",
  /** The taint's key and value equal the toleration's (the default when unset). */
  Equal: "Equal",
} as const;
export type TolerationOperator = (typeof TolerationOperator)[keyof typeof TolerationOperator];
export const TOLERATION_OPERATORS: readonly TolerationOperator[] = Object.values(TolerationOperator);

/** The taint effect a toleration matches. */
export const TaintEffect = {
  /** New pods are not scheduled on the node. */
  NoSchedule: "NoSchedule",
  /** The scheduler avoids the node when it can. */
  PreferNoSchedule: "PreferNoSchedule",
  /** Running pods are evicted (after tolerationSeconds, when set). */
  NoExecute: "NoExecute",
  /** Every effect. */
  All: "",
} as const;
export type TaintEffect = (typeof TaintEffect)[keyof typeof TaintEffect];
export const TAINT_EFFECTS: readonly TaintEffect[] = Object.values(TaintEffect);

/** A Kubernetes Toleration (core/v1), as the node placement accepts it. */
export interface Toleration {
  /** The taint key to match (a label key, e.g. node-role.kubernetes.io/control-plane); unset with operator Exists: every taint. */
  key?: string;
  /** Exists (any value of the key) or Equal (default: the value below). */
  operator?: TolerationOperator;
  /** The taint value to match with operator Equal (a label value); unset with Exists. */
  value?: string;
  /** NoSchedule, PreferNoSchedule, NoExecute, or unset/"" for every effect. */
  effect?: TaintEffect;
  /** With effect NoExecute: seconds the probe stays on a node after the taint appears (default: forever). */
  tolerationSeconds?: number;
}

/** None: the probe lands on tainted nodes only when told (see the module comment for why). */
export const DEFAULT_TOLERATIONS: readonly Toleration[] = [];

const FIELDS = ["key", "operator", "value", "effect", "tolerationSeconds"] as const;
const EXAMPLE =
  '[{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }], or [{ operator: "Exists" }] for every node';
const EFFECTS_SHOWN = oneOf(TAINT_EFFECTS.map((e) => (e === "" ? '"" (every effect)' : e)));

/**
 * Checks a list of tolerations; every problem is an InputError named `<input>[i].<field>`.
 * Empty list: no tolerations.
 */
export function checkTolerations(value: unknown, input = "tolerations"): InputError[] {
  if (!Array.isArray(value)) return [new InputError(input, value, `a list of tolerations, e.g. ${EXAMPLE}`)];
  return value.flatMap((t, i) => checkToleration(t, `${input}[${i}]`));
}

function checkToleration(t: unknown, at: string): InputError[] {
  if (typeof t !== "object" || t === null || Array.isArray(t)) {
    return [new InputError(at, t, `a toleration { key, operator, value, effect, tolerationSeconds }, e.g. ${EXAMPLE}`)];
  }
  const errors: InputError[] = [];
  const fail = (field: string, value: unknown, accepted: string, detail?: string) =>
    errors.push(new InputError(`${at}.${field}`, value, accepted, detail));
  const { key, operator, value, effect, tolerationSeconds } = t as Record<string, unknown>;
  for (const field of Object.keys(t)) {
    if (!(FIELDS as readonly string[]).includes(field))
      fail(
        field,
        (t as Record<string, unknown>)[field],
        `only the fields ${FIELDS.join(", ")}`,
        "unknown toleration field",
      );
  }
  if (key !== undefined && key !== "" && !isLabelKey(key)) {
    fail(
      "key",
      key,
      "a label key: an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
    );
  }
  const exists = operator === "Exists";
  const keyless = key === undefined || key === "";
  if (operator !== undefined && !(TOLERATION_OPERATORS as readonly unknown[]).includes(operator))
    fail("operator", operator, oneOf(TOLERATION_OPERATORS));
  else if (keyless && !exists) {
    // Kubernetes: an empty key matches every taint, which only Exists expresses.
    fail(
      operator === undefined ? "key" : "operator",
      operator === undefined ? key : operator,
      "a taint key, or operator Exists without a key to tolerate every taint",
    );
  }
  if (exists && value !== undefined && value !== "")
    fail("value", value, "unset with operator Exists", "Exists matches any value of the key");
  else if (!exists && value !== undefined && !isLabelValue(value))
    fail(
      "value",
      value,
      "a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
    );
  if (effect !== undefined && !(TAINT_EFFECTS as readonly unknown[]).includes(effect))
    fail("effect", effect, EFFECTS_SHOWN);
  if (tolerationSeconds !== undefined) {
    if (typeof tolerationSeconds !== "number" || !Number.isSafeInteger(tolerationSeconds) || tolerationSeconds < 0) {
      fail("tolerationSeconds", tolerationSeconds, "a whole number of seconds, 0 or more");
    } else if (effect !== "NoExecute") {
      fail(
        "tolerationSeconds",
        tolerationSeconds,
        "unset unless effect is NoExecute",
        "only NoExecute taints evict running pods; the seconds say how long the probe stays",
      );
    }
  }
  return errors;
}

/**
 * Tolerations as the pod spec carries them: the operator spelled out (unset means Equal), empty
 * key, value and effect left out. Call after checkTolerations found nothing.
 */
export function podTolerations(tolerations: readonly Toleration[]): Toleration[] {
  return tolerations.map((t) => ({
    ...(t.key ? { key: t.key } : {}),
    operator: t.operator ?? "Equal",
    ...(t.value ? { value: t.value } : {}),
    ...(t.effect ? { effect: t.effect } : {}),
    ...(t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}),
  }));
}
