/**
 * privileged — no privileged containers.
 *
 * Restricted fields:
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.privileged
 * Allowed values: undefined/null, false.
 * Why: a privileged container gets every capability, every device and no seccomp/AppArmor; an
 * eBPF workload needs only the capabilities the model grants (see ebpf-least-privilege).
 */
import { checkedContainers, field } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath } from "../shared";

export const privileged: Rule = {
  name: "privileged",
  since: "0.1.0",
  description: "Containers must not run privileged.",
  defaultLevel: "mandatory",
  settings: ["exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    return checkedContainers(pod, settings.exemptImages)
      .filter((c) => field(c.container, "securityContext", "privileged") === true)
      .map((c) => ({
        container: c.name,
        field: fieldPath(c.path, "securityContext", "privileged"),
        message:
          "runs privileged (every capability and device, no seccomp); set privileged: false and add only the capabilities the program needs",
      }));
  },
};
