/**
 * ebpf-least-privilege — an eBPF workload adds only what the capability model requires.
 *
 * Applies to: the probe containers of eBPF workloads (containers that add BPF, PERFMON or
 * SYS_ADMIN; when the pod lists them in acs-ebpf.io/probe-containers, only those). Application
 * containers beside a probe (the sidecar placement) are judged by the capabilities rule instead.
 * Restricted fields:
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add
 *   metadata.annotations["acs-ebpf.io/probe-kinds" | "acs-ebpf.io/kernel" | "acs-ebpf.io/architecture"]
 * Allowed values:
 *   capabilities.add ⊆ requiredCapabilities(probe kinds, kernel) from core/capabilities.ts
 *   (fentry: BPF, PERFMON, + SYS_RESOURCE on kernels < 5.11 or unknown); never ALL; names written
 *   without the `CAP_` prefix (containerd would pass CAP_BPF on as CAP_CAP_BPF, which runc ignores).
 *   Probe kinds default to fentry (the tcp_connect trace); the kernel to the `kernel` setting, else unknown.
 * Why: every capability beyond the program's needs widens what a compromised pod can do to the
 * kernel it shares; SYS_ADMIN in particular is most of root.
 */
import { CAPABILITY_REASONS, KNOWN_CAPABILITIES, NOT_NEEDED_REASONS } from "../../core/capabilities";
import {
  addedCapabilities,
  addedCapabilityNames,
  ebpfProfile,
  isEbpfWorkload,
  isProbeContainer,
  prefixedSpelling,
} from "../ebpf";
import { checkedContainers } from "../podSpecs";
import { fieldPath, sharedText } from "../shared";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";

function notNeededReason(cap: string): string {
  if (NOT_NEEDED_REASONS[cap]) return NOT_NEEDED_REASONS[cap];
  if (CAPABILITY_REASONS[cap]) return `it is for another probe kind: ${CAPABILITY_REASONS[cap]}`;
  if (!KNOWN_CAPABILITIES.has(cap))
    return "not a Linux capability name: runc ignores it with a warning, other runtimes may reject the pod";
  return "no eBPF probe kind in the capability model needs it";
}

const notNeeded = sharedText(
  (cap: string, scope: string, requiredList: string) =>
    `adds ${cap}, not needed for ${scope} (${notNeededReason(cap)}); remove it — the model requires only ${requiredList}`,
);

export const ebpfLeastPrivilege: Rule = {
  name: "ebpf-least-privilege",
  since: "0.1.0",
  description:
    "An eBPF workload adds only the capabilities the capability model requires for its probe kinds and kernel (never ALL).",
  defaultLevel: "mandatory",
  settings: ["kernel", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    if (!isEbpfWorkload(pod)) return [];
    const profile = ebpfProfile(pod, settings);
    if (!profile.requirement) return profile.problems;
    const { set: required, list: requiredList, scope } = profile.requirement;
    const findings: Finding[] = [];
    for (const c of checkedContainers(pod, settings.exemptImages).filter((c) => isProbeContainer(pod, c))) {
      const names = addedCapabilityNames(c);
      const addPath = fieldPath(c.path, "securityContext", "capabilities", "add");
      addedCapabilities(c.container).forEach((raw, i) => {
        const cap = names[i];
        const at = fieldPath(addPath, i);
        if (cap === "ALL") {
          findings.push({
            container: c.name,
            field: at,
            message: `adds ALL capabilities; ${scope} needs only ${requiredList}: replace ALL with those`,
          });
        } else if (required.has(cap)) {
          const spelling = prefixedSpelling(raw);
          if (spelling) findings.push({ container: c.name, field: at, message: `${cap} ${spelling}` });
        } else {
          findings.push({
            container: c.name,
            field: at,
            message: notNeeded(cap, scope, requiredList),
          });
        }
      });
    }
    return findings;
  },
};
