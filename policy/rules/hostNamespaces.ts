/**
 * host-namespaces — no host network, PID or IPC namespace.
 *
 * Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC
 * Allowed values: undefined/null, false.
 * Why: host namespaces expose the node's network stack, processes and shared memory. (ACS forces
 * them false anyway; on node-based clusters they are real.)
 */
import type { Finding, PodTemplate, Rule } from "../types";
import { fieldPath } from "../shared";

const FIELDS = {
  hostNetwork: "shares the node's network namespace",
  hostPID: "sees and can signal every process on the node",
  hostIPC: "shares the node's IPC namespace (shared memory)",
} as const;

const NAMESPACE_FIELDS = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

export const hostNamespaces: Rule = {
  name: "host-namespaces",
  since: "0.1.0",
  description: "Pods must not use the host's network, PID or IPC namespace.",
  defaultLevel: "mandatory",
  settings: [],
  check(pod: PodTemplate): Finding[] {
    return NAMESPACE_FIELDS.filter((f) => pod.spec[f] === true).map((f) => ({
      field: fieldPath(pod.specPath, f),
      message: `${f}: true ${FIELDS[f]}; remove it or set ${f}: false`,
    }));
  },
};
