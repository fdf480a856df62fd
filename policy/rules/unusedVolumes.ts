/**
 * unused-volumes — every declared volume is mounted by some container (advisory by default).
 *
 * Restricted fields: spec.volumes[*].name
 * Allowed values: names used by a volumeMounts[*].name or volumeDevices[*].name of a container,
 *   initContainer or ephemeralContainer.
 * Why: a volume nobody mounts only widens what a reviewer has to check (the vendor document
 * declares an emptyDir it never mounts); a hostPath declared "for later" is one edit from use.
 */
import { isRecord } from "../podSpecs";
import type { Finding, PodTemplate, Rule } from "../types";
import { fieldPath, sharedText } from "../shared";

const MOUNT_LISTS = ["volumeMounts", "volumeDevices"] as const;

function usedNames(pod: PodTemplate): Set<string> {
  const used = new Set<string>();
  for (const c of pod.containers) {
    for (const key of MOUNT_LISTS) {
      const refs = c.container[key];
      if (Array.isArray(refs)) for (const r of refs) if (isRecord(r) && typeof r.name === "string") used.add(r.name);
    }
  }
  return used;
}

const unmounted = sharedText(
  (type: string, name: string) => `${type} volume ${name} is mounted by no container; remove it`,
);

export const unusedVolumes: Rule = {
  name: "unused-volumes",
  since: "0.1.0",
  description: "Every declared volume is mounted by a container.",
  defaultLevel: "advisory",
  settings: [],
  check(pod: PodTemplate): Finding[] {
    const volumes = pod.spec.volumes;
    if (!Array.isArray(volumes)) return [];
    const used = usedNames(pod);
    const findings: Finding[] = [];
    volumes.forEach((v, i) => {
      if (!isRecord(v) || typeof v.name !== "string" || used.has(v.name)) return;
      const type = Object.keys(v).find((k) => k !== "name") ?? "volume";
      findings.push({ field: fieldPath(pod.specPath, "volumes", i), message: unmounted(type, v.name) });
    });
    return findings;
  },
};
