/**
 * `capabilities.md`: the capability decisions of a workload in words a security reviewer reads in
 * a pull request: what is granted and why, what the vendor demo grants that is left out and why.
 */
import { describePodSize } from "./acs";
import type { ResolvedWorkload } from "./workloadOptions";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function capabilityReport(w: ResolvedWorkload): string {
  const { plan } = w;
  const kernel = plan.kernel === "unknown" ? "unknown" : plan.kernel.release;
  const lines = [
    `# Capabilities of ${w.namespace}/${w.name}`,
    "",
    `Profile **${plan.profile}** (risk: ${plan.risk}); probe kinds ${plan.probeKinds.join(", ")}; kernel ${kernel}; ${plan.architecture}, minimum kernel ${plan.minimumKernel}.`,
    `Drop: ${plan.drop.length ? plan.drop.join(", ") : "nothing"}. Seccomp: ${plan.seccompProfile ?? "not set (Unconfined)"}. Pod Security level the namespace must enforce: ${plan.podSecurityLevel}.`,
    w.podSize
      ? `ACS pod size billed: ${describePodSize(w.podSize)}.`
      : "Node placement: a DaemonSet on a node-based cluster, no ACS pod size.",
    "",
    "## Granted",
    "",
    "| capability | why it is needed |",
    "|---|---|",
    ...plan.add.map((g) => `| ${g.name} | ${cell(g.reason)} |`),
    "",
    "## Left out (granted by the vendor demo)",
    "",
  ];
  if (plan.notNeeded.length === 0) {
    lines.push("Nothing: this profile grants every capability of the vendor demo.");
  } else {
    lines.push(
      "| capability | why it is not needed |",
      "|---|---|",
      ...plan.notNeeded.map((g) => `| ${g.name} | ${cell(g.reason)} |`),
    );
  }
  lines.push("", "## Host paths", "");
  if (plan.hostPaths.length === 0) {
    lines.push(
      "None. The vendor demo's hostPath /sys/kernel/debug (debugfs) is not mounted: fentry attaches through BTF and a BPF link, not through legacy kprobes, tracepoint IDs or trace_pipe.",
    );
  } else {
    lines.push(
      "| path | read-only | why |",
      "|---|---|---|",
      ...plan.hostPaths.map((h) => `| ${h.path} | ${h.readOnly} | ${cell(h.reason)} |`),
    );
  }
  lines.push("", "## Warnings", "", ...w.warnings.map((warning) => `- ${warning}`), "");
  return lines.join("\n");
}
