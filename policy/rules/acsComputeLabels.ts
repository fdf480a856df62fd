/**
 * acs-compute-labels — ACS compute-class / compute-qos labels valid, and never in a selector.
 *
 * Restricted fields:
 *   metadata.labels["alibabacloud.com/compute-class"]  general-purpose | performance | gpu | gpu-hpn
 *   metadata.labels["alibabacloud.com/compute-qos"]    default | best-effort (gpu-hpn: default only)
 *   spec.selector.matchLabels / matchExpressions        must not use either key
 *   (pod labels: the pod template's; values from core/acs.ts)
 * Why: ACS rejects unknown values, and may rewrite these labels on the pods, so a selector on them
 * stops matching the workload's own pods.
 */
import { ACS_LABELS, COMPUTE_CLASS_LABEL, COMPUTE_QOS_LABEL, checkComputeLabels } from "../../core/acs";
import { field, isRecord } from "../podSpecs";
import type { Finding, PodTemplate, Rule } from "../types";

export const acsComputeLabels: Rule = {
  name: "acs-compute-labels",
  since: "0.1.0",
  description: "ACS compute-class/compute-qos labels have valid values and are not used in selectors.",
  defaultLevel: "mandatory",
  settings: [],
  check(pod: PodTemplate): Finding[] {
    const findings: Finding[] = [];
    const labels = pod.metadata.labels;
    for (const e of checkComputeLabels(labels[COMPUTE_CLASS_LABEL], labels[COMPUTE_QOS_LABEL])) {
      const key = e.input === "computeClass" ? COMPUTE_CLASS_LABEL : COMPUTE_QOS_LABEL;
      findings.push({
        field: `${pod.metadataPath}.labels["${key}"]`,
        message: e.message.replace(/^[^:]+:/, `label ${key}:`),
      });
    }
    const matchLabels = field(pod.object, "spec", "selector", "matchLabels");
    const expressions = field(pod.object, "spec", "selector", "matchExpressions");
    for (const key of ACS_LABELS) {
      if (isRecord(matchLabels) && key in matchLabels) {
        findings.push({
          field: `spec.selector.matchLabels["${key}"]`,
          message: `selector uses ${key}, which ACS may rewrite on the pods; remove it from the selector and keep it on the pod template's labels only`,
        });
      }
      if (Array.isArray(expressions)) {
        expressions.forEach((x, i) => {
          if (isRecord(x) && x.key === key) {
            findings.push({
              field: `spec.selector.matchExpressions[${i}]`,
              message: `selector uses ${key}, which ACS may rewrite on the pods; remove this expression and keep the label on the pod template only`,
            });
          }
        });
      }
    }
    return findings;
  },
};
