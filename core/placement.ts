/**
 * Where the probe runs, and what each placement demands of the cluster:
 *
 *   deployment  a standalone workbench Deployment (default). On ACS it observes only its own pod:
 *               every ACS pod has its own sandbox kernel.
 *   sidecar     the probe container inside an application's pod, the only way to observe an
 *               application on ACS. Native sidecar (an init container with restartPolicy Always)
 *               from Kubernetes 1.29; before that a regular container with env __IS_SIDECAR__=true,
 *               which ACS honours (it stops the probe when the application's containers end).
 *   node        a DaemonSet, one probe per node, for node-based clusters (ACK and others): there
 *               the node's kernel is shared by every pod on it. ACS runs no DaemonSets.
 */
import { ACS_LABELS } from "./acs";
import { InputError, oneOf } from "./errors";
import type { ProbeMode } from "./probeContainer";

/** Where the probe runs. An `as const` object, so the component provider's schema inference sees an enum. */
export const Placement = {
  /** A standalone workbench Deployment (on ACS it sees only its own pod's kernel). */
  deployment: "deployment",
  /** The probe in the application's pods. */
  sidecar: "sidecar",
  /** A DaemonSet, one probe per node (node-based clusters; refused on ACS). */
  node: "node",
} as const;
export type Placement = (typeof Placement)[keyof typeof Placement];
const PLACEMENTS: readonly Placement[] = Object.values(Placement);

/** The probe's default mode: a shell in the standalone workbench; the trace's events where nobody execs in. */
export function defaultProbeMode(placement: Placement): ProbeMode {
  return placement === "deployment" ? "workbench" : "monitor";
}

/** Native sidecars (KEP-753, SidecarContainers) are on by default from Kubernetes 1.29. */
const NATIVE_SIDECAR_MINIMUM = { major: 1, minor: 29 } as const;

/** The env ACS reads to treat a regular container as a sidecar on older Kubernetes versions. */
export const ACS_SIDECAR_ENV = { name: "__IS_SIDECAR__", value: "true" } as const;

export interface KubernetesVersion {
  major: number;
  minor: number;
  /** As given, for messages. */
  text: string;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/;
export const KUBERNETES_VERSION_FORM =
  'a Kubernetes version such as "1.30", "v1.31.1" or "1.28.3-aliyun.1" (kubectl version: Server Version)';

export function parseKubernetesVersion(text: unknown): KubernetesVersion | undefined {
  if (typeof text !== "string") return undefined;
  const m = VERSION.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: text.trim() } : undefined;
}

/** How the probe joins the application's pods. */
export const SidecarStyle = {
  /** An init container with restartPolicy Always (Kubernetes >= 1.29). */
  native: "native",
  /** A container with env `__IS_SIDECAR__=true` (ACS on older versions). */
  acsEnv: "acs-env",
} as const;
export type SidecarStyle = (typeof SidecarStyle)[keyof typeof SidecarStyle];

/** Native sidecar on >= 1.29, else a regular container marked with __IS_SIDECAR__. */
export function sidecarStyle(version: KubernetesVersion): SidecarStyle {
  const { major, minor } = NATIVE_SIDECAR_MINIMUM;
  return version.major > major || (version.major === major && version.minor >= minor) ? "native" : "acs-env";
}

export interface NodePlacementTarget {
  /** The caller says the cluster is ACS. */
  acs?: boolean;
  /** ACS compute labels the caller asked for (ACS only). */
  computeClass?: string;
  computeQos?: string;
  /** Labels of the pod template, when the caller brings its own. */
  labels?: Record<string, string>;
}

/**
 * The node placement is refused on ACS: ACS runs no DaemonSets, and each ACS pod has its own
 * kernel, so a per-node probe would observe nothing there. The error says what to use instead.
 */
export function refuseNodeOnAcs(target: NodePlacementTarget): InputError[] {
  const accepted =
    "a node-based cluster (ACK or another cluster with nodes): on ACS use placement sidecar (the probe in the application's pod) or deployment";
  const detail =
    "ACS runs no DaemonSets and gives every pod its own sandbox kernel, so a per-node probe cannot run or observe anything there";
  const errors: InputError[] = [];
  if (target.acs === true) errors.push(new InputError("acs", true, accepted, detail));
  if (target.computeClass !== undefined)
    errors.push(
      new InputError("computeClass", target.computeClass, accepted, `${detail}; compute-class is an ACS label`),
    );
  if (target.computeQos !== undefined)
    errors.push(new InputError("computeQos", target.computeQos, accepted, `${detail}; compute-qos is an ACS label`));
  for (const label of ACS_LABELS) {
    const value = target.labels?.[label];
    if (value !== undefined)
      errors.push(new InputError(`labels["${label}"]`, value, accepted, `${detail}; ${label} is an ACS label`));
  }
  return errors;
}

export function checkPlacement(placement: unknown, allowed: readonly Placement[] = PLACEMENTS): InputError[] {
  return (allowed as readonly unknown[]).includes(placement)
    ? []
    : [new InputError("placement", placement, oneOf(allowed))];
}
