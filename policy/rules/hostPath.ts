/**
 * host-path — hostPath volumes only where the capability model needs them, read-only.
 *
 * Restricted fields:
 *   spec.volumes[*].hostPath.path
 *   spec.{containers,initContainers,ephemeralContainers}[*].volumeMounts[*].readOnly (mounts of a hostPath)
 * Allowed values:
 *   - eBPF workloads: tracefs (/sys/kernel/tracing) or debugfs (/sys/kernel/debug), only when a
 *     declared probe kind needs tracefs (kprobe-tracefs, tracepoint), and read-only in every mount;
 *     bpffs (/sys/fs/bpf) is needed by no modelled probe kind.
 *   - any workload: paths under an `allowedHostPaths` entry (pathPrefix, matched by whole path
 *     components); with readOnly: true every mount must be read-only.
 *   - nothing else.
 * Why: a hostPath reaches the node's filesystem; debugfs in particular exposes kernel internals
 * that the fentry tcp_connect trace does not use.
 */
import { ebpfProfile, hostPathVolumes, isEbpfWorkload, normalizeHostPath } from "../ebpf";
import { checkedContainers, isRecord } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, sharedText } from "../shared";

const EBPF_PATH_USES: Record<string, string> = {
  "/sys/kernel/debug": "debugfs: legacy kprobes, tracepoint IDs and trace_pipe",
  "/sys/kernel/tracing": "tracefs: kprobe_events and tracepoint IDs",
  "/sys/fs/bpf": "bpffs: pinning maps and programs across processes",
};

function underPrefix(path: string, prefix: string): boolean {
  const p = normalizeHostPath(path);
  const pre = normalizeHostPath(prefix);
  return pre === "/" || p === pre || p.startsWith(`${pre}/`);
}

/** Mounts of a volume that are not read-only, across the checked containers. */
function writableMounts(pod: PodTemplate, volume: string, settings: RuleSettings): Finding[] {
  const out: Finding[] = [];
  for (const c of checkedContainers(pod, settings.exemptImages)) {
    const mounts = c.container.volumeMounts;
    if (!Array.isArray(mounts)) continue;
    mounts.forEach((m, i) => {
      if (isRecord(m) && m.name === volume && m.readOnly !== true) {
        out.push({
          container: c.name,
          field: fieldPath(c.path, "volumeMounts", i, "readOnly"),
          message: `mounts host path volume ${volume} writable; set readOnly: true`,
        });
      }
    });
  }
  return out;
}

const ebpfPathNotNeeded = sharedText(
  (name: string, path: string, ebpfPath: string, probeKinds: string) =>
    `volume ${name} mounts ${path} (${EBPF_PATH_USES[ebpfPath]}), which probe kinds ${probeKinds} do not need; remove the volume and its volumeMounts${ebpfPath === "/sys/fs/bpf" ? "" : " (declare a tracefs probe kind in acs-ebpf.io/probe-kinds if the program really reads it)"}`,
);

export const hostPath: Rule = {
  name: "host-path",
  since: "0.1.0",
  description:
    "hostPath volumes only for eBPF mounts the probe kinds need (tracefs/debugfs), read-only, or under an allowed prefix.",
  defaultLevel: "mandatory",
  settings: ["allowedHostPaths", "kernel", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const volumes = hostPathVolumes(pod);
    if (volumes.length === 0) return [];
    const profile = isEbpfWorkload(pod) ? ebpfProfile(pod, settings) : undefined;
    const allowedPaths = settings.allowedHostPaths ?? [];
    const findings: Finding[] = [];
    for (const v of volumes) {
      const at = fieldPath(pod.specPath, "volumes", v.index, "hostPath", "path");
      const allowed = allowedPaths.find((a) => underPrefix(v.path, a.pathPrefix));
      if (allowed) {
        if (allowed.readOnly) findings.push(...writableMounts(pod, v.name, settings));
        continue;
      }
      const ebpfPath = v.ebpfPath;
      if (profile && ebpfPath && profile.allowedHostPaths.includes(ebpfPath)) {
        findings.push(...writableMounts(pod, v.name, settings));
        continue;
      }
      if (profile && ebpfPath) {
        findings.push({
          field: at,
          message: ebpfPathNotNeeded(v.name, v.path, ebpfPath, profile.probeKinds.join(",")),
        });
      } else {
        findings.push({
          field: at,
          message: `volume ${v.name} mounts host path ${v.path || "(empty)"}; hostPath volumes reach the node's filesystem: use an emptyDir, configMap or persistent volume instead${allowedPaths.length ? `, or a path under ${allowedPaths.map((a) => a.pathPrefix).join(", ")}` : ""}`,
        });
      }
    }
    return findings;
  },
};
