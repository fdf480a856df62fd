/**
 * capabilities — non-eBPF workloads add only capabilities on an allow-list.
 *
 * Applies to: every container that is not a probe container (probe containers, which add BPF,
 * PERFMON or SYS_ADMIN, are checked by ebpf-least-privilege against the capability model). So the
 * application containers of a pod with an eBPF sidecar are held to the allow-list as before.
 * Restricted fields:
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add
 * Allowed values: names on `allowedCapabilities` (default: the Pod Security "baseline" list
 *   AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
 *   SETGID, SETPCAP, SETUID, SYS_CHROOT), compared the way the runtime does (case-insensitive,
 *   `CAP_` prefix stripped); `*` allows any name. ALL is allowed only by `*` or ALL itself.
 *   An allowed name written with the `CAP_` prefix is still reported: containerd turns CAP_X into
 *   CAP_CAP_X (ignored by runc) while CRI-O/Docker read X, so the grant depends on the runtime.
 * Why: every added capability widens what a compromised container can do to the node's kernel.
 */
import { normalizeCapability } from "../../core/capabilities";
import { addedCapabilities, addedCapabilityNames, isProbeContainer, prefixedSpelling } from "../ebpf";
import { checkedContainers } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, perSettings, sharedText } from "../shared";

/** Pod Security Standards "baseline": the capabilities a container may add. */
const BASELINE_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
] as const;

const allowedBy = perSettings((settings: RuleSettings) => {
  const list = (settings.allowedCapabilities ?? BASELINE_CAPABILITIES).map(normalizeCapability);
  return { any: list.includes("*"), set: new Set(list), text: list.join(", ") || "none" };
});

const notAllowed = sharedText(
  (cap: string, allowed: string) =>
    `adds ${cap === "ALL" ? "ALL capabilities" : cap}, which is not on the allow-list (${allowed}); remove it${cap === "ALL" ? " and add only the names the program needs" : ""}`,
);

export const capabilities: Rule = {
  name: "capabilities",
  since: "0.1.0",
  description:
    "Containers other than eBPF probe containers add only capabilities on the allow-list (default: Pod Security baseline).",
  defaultLevel: "mandatory",
  settings: ["allowedCapabilities", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const { any, set: allowed, text: allowedText } = allowedBy(settings);
    if (any) return [];
    const findings: Finding[] = [];
    for (const c of checkedContainers(pod, settings.exemptImages).filter((c) => !isProbeContainer(pod, c))) {
      const names = addedCapabilityNames(c);
      const addPath = fieldPath(c.path, "securityContext", "capabilities", "add");
      addedCapabilities(c.container).forEach((raw, i) => {
        const cap = names[i];
        if (allowed.has(cap)) {
          const spelling = prefixedSpelling(raw);
          if (spelling)
            findings.push({ container: c.name, field: fieldPath(addPath, i), message: `${cap} ${spelling}` });
          return;
        }
        findings.push({
          container: c.name,
          field: fieldPath(addPath, i),
          message: notAllowed(cap, allowedText),
        });
      });
    }
    return findings;
  },
};
