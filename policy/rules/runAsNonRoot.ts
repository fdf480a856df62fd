/**
 * run-as-non-root — containers must run with runAsNonRoot: true (disabled unless configured).
 *
 * Applies to: every container but eBPF probe containers (those adding BPF, PERFMON or SYS_ADMIN),
 *   unless `exemptEbpfWorkloads: false`: a probe runs as UID 0 because Kubernetes puts added
 *   capabilities in root's sets only. Application containers beside a probe are checked.
 * Restricted fields:
 *   spec.securityContext.runAsNonRoot
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsNonRoot
 * Allowed values: true at the pod level (containers may leave it unset), or true in every
 *   container; false is never allowed at either level.
 * Why: a process running as root in the container is root on the host's files it can reach.
 */
import { isProbeContainer } from "../ebpf";
import { checkedContainers, field } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath } from "../shared";

export const runAsNonRoot: Rule = {
  name: "run-as-non-root",
  since: "0.1.0",
  description:
    "Containers run with runAsNonRoot: true (off by default; eBPF probe containers are exempt: they need UID 0).",
  defaultLevel: "disabled",
  settings: ["exemptEbpfWorkloads", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const exempt = settings.exemptEbpfWorkloads ?? true;
    const findings: Finding[] = [];
    const podValue = field(pod.spec, "securityContext", "runAsNonRoot");
    const containers = checkedContainers(pod, settings.exemptImages).filter(
      (c) => !(exempt && isProbeContainer(pod, c)),
    );
    if (podValue === false && containers.length > 0) {
      findings.push({
        field: fieldPath(pod.specPath, "securityContext", "runAsNonRoot"),
        message: "is false; set runAsNonRoot: true and run the image as a non-zero UID",
      });
    }
    for (const c of containers) {
      const own = field(c.container, "securityContext", "runAsNonRoot");
      if (own === true) continue;
      if (own === false) {
        findings.push({
          container: c.name,
          field: fieldPath(c.path, "securityContext", "runAsNonRoot"),
          message: "is false; set runAsNonRoot: true and run the image as a non-zero UID",
        });
      } else if (podValue !== true) {
        findings.push({
          container: c.name,
          field: fieldPath(c.path, "securityContext", "runAsNonRoot"),
          message:
            "is not set and the pod does not set it; set securityContext.runAsNonRoot: true on the pod (or on every container)",
        });
      }
    }
    return findings;
  },
};
