/**
 * ebpf-tolerations — an eBPF workload does not tolerate every taint.
 *
 * Applies to: eBPF workloads (see ebpf-least-privilege).
 * Restricted fields:
 *   spec.tolerations[*] (pod level)
 * Allowed values: tolerations that name a taint key (`key: node-role.kubernetes.io/control-plane`);
 *   not `operator: Exists` without a key, which matches every taint (of its effect, or of all).
 * Why: a probe holds CAP_BPF and CAP_PERFMON, which read kernel memory. Tolerating every taint lands
 * it on control-plane nodes and on pools a team has set apart, which should be a decision made taint
 * by taint (core/tolerations.ts: the node placement tolerates nothing unless told). Advisory: a
 * node agent that must run everywhere (as Cilium's does) may mean it.
 */
import { TolerationOperator } from "../../core/tolerations";
import { isEbpfWorkload } from "../ebpf";
import { isRecord } from "../podSpecs";
import { fieldPath, sharedText } from "../shared";
import type { Finding, PodTemplate, Rule } from "../types";

const tolerateAll = sharedText(
  (effect: string) =>
    `tolerates every taint${effect ? ` with effect ${effect}` : ""} (operator Exists without a key), so the probe and its CAP_BPF and CAP_PERFMON also land on control-plane nodes and dedicated pools; name the taints it should tolerate (key: …)`,
);

export const ebpfTolerations: Rule = {
  name: "ebpf-tolerations",
  since: "0.1.0",
  description: "An eBPF workload tolerates taints by key, not every taint (operator Exists without a key).",
  defaultLevel: "advisory",
  settings: [],
  check(pod: PodTemplate): Finding[] {
    const tolerations = pod.spec.tolerations;
    if (!Array.isArray(tolerations) || !isEbpfWorkload(pod)) return [];
    const findings: Finding[] = [];
    tolerations.forEach((t, i) => {
      if (!isRecord(t) || t.operator !== TolerationOperator.Exists || (typeof t.key === "string" && t.key !== ""))
        return;
      findings.push({
        field: fieldPath(pod.specPath, "tolerations", i),
        message: tolerateAll(typeof t.effect === "string" ? t.effect : ""),
      });
    });
    return findings;
  },
};
