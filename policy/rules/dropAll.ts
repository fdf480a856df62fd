/**
 * drop-all — every container drops ALL capabilities (then adds back only what it needs).
 *
 * Restricted fields:
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.drop
 * Allowed values: a list containing every name on `requiredDropCapabilities` (default: ALL);
 *   ALL covers every name; names compared case-insensitively, `CAP_` prefix optional.
 * Remediation (safe): add ALL to drop. Added capabilities are applied after the drop, so the
 * container keeps exactly what it adds; it loses only the runtime's default set (CHOWN, KILL, …).
 * Why: the runtime's default set is granted whether the program needs it or not.
 */
import { normalizeCapability } from "../../core/capabilities";
import { capabilityName } from "../ebpf";
import { checkedContainers, field } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, perSettings, sharedText } from "../shared";

function droppedCapabilities(container: Record<string, unknown>): string[] {
  const drop = field(container, "securityContext", "capabilities", "drop");
  return Array.isArray(drop) ? drop.map((d) => capabilityName(d)) : [];
}

const notDropped = sharedText(
  (missing: string, dropped: string) =>
    `does not drop ${missing}${dropped ? ` (drops ${dropped})` : " (drops nothing: the runtime's default capabilities stay)"}; set capabilities.drop: [ALL] and add back only what the program needs`,
);

const requiredBy = perSettings((settings: RuleSettings) =>
  (settings.requiredDropCapabilities ?? ["ALL"]).map(normalizeCapability),
);

export const dropAll: Rule = {
  name: "drop-all",
  since: "0.1.0",
  description: "Containers drop ALL capabilities (securityContext.capabilities.drop: [ALL]).",
  defaultLevel: "mandatory",
  settings: ["requiredDropCapabilities", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const required = requiredBy(settings);
    const findings: Finding[] = [];
    for (const c of checkedContainers(pod, settings.exemptImages)) {
      const dropped = droppedCapabilities(c.container);
      if (dropped.includes("ALL")) continue;
      const missing = required.filter((r) => !dropped.includes(r));
      if (missing.length === 0) continue;
      findings.push({
        container: c.name,
        field: fieldPath(c.path, "securityContext", "capabilities", "drop"),
        message: notDropped(missing.join(", "), [...new Set(dropped)].join(", ")),
      });
    }
    return findings;
  },
};
