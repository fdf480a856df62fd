/**
 * privilege-escalation — every container sets allowPrivilegeEscalation: false.
 *
 * Restricted fields:
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation
 * Allowed values: false (unset counts as true: the runtime's default lets setuid binaries gain privileges).
 * Remediation (safe): set it to false; a process that needs setuid to gain privileges is not
 * least privilege, and eBPF capabilities come from the container's capability set, not from setuid.
 */
import { checkedContainers, field } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, sharedText } from "../shared";

const escalation = sharedText((what: string) => `${what}; set allowPrivilegeEscalation: false`);

export const privilegeEscalation: Rule = {
  name: "privilege-escalation",
  since: "0.1.0",
  description: "Containers must set securityContext.allowPrivilegeEscalation to false.",
  defaultLevel: "mandatory",
  settings: ["exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    return checkedContainers(pod, settings.exemptImages)
      .filter((c) => field(c.container, "securityContext", "allowPrivilegeEscalation") !== false)
      .map((c) => {
        const value = field(c.container, "securityContext", "allowPrivilegeEscalation");
        return {
          container: c.name,
          field: fieldPath(c.path, "securityContext", "allowPrivilegeEscalation"),
          message: escalation(
            value === undefined
              ? "is not set (the runtime default allows escalation through setuid binaries)"
              : `is ${JSON.stringify(value)}`,
          ),
        };
      });
  },
};
