/**
 * seccomp — every container runs under an allowed seccomp profile.
 *
 * Restricted fields:
 *   spec.securityContext.seccompProfile.{type,localhostProfile}
 *   spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seccompProfile.{type,localhostProfile}
 *   metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"],
 *   metadata.annotations["container.seccomp.security.alpha.kubernetes.io/<container>"] (deprecated forms:
 *   runtime/default and docker/default = RuntimeDefault, unconfined = Unconfined, localhost/<file> = Localhost)
 * Allowed values: types on `allowedProfiles` (default RuntimeDefault, Localhost); Localhost files on
 *   `allowedLocalhostFiles` (default any); no profile at all only with `allowUnsetProfile`
 *   (default false: Kubernetes runs such a pod Unconfined). A container setting overrides the pod's.
 *   An explicitly set pod-level value must be allowed even when every container overrides it.
 * Why: RuntimeDefault blocks syscalls containers never need; the capability model's workloads run
 * under it (it allows bpf()/perf_event_open() with CAP_BPF/CAP_PERFMON on current runtimes).
 */
import { checkedContainers, field, isRecord } from "../podSpecs";
import type { ContainerRef, Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, perSettings, sharedText } from "../shared";

const POD_SECCOMP_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_SECCOMP_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

interface Profile {
  type: string;
  file?: string;
  /** Where it was set, as a field path. */
  at: string;
}

function fromField(value: unknown, at: string): Profile | undefined {
  if (!isRecord(value) || value.type === undefined || value.type === null) return undefined;
  return {
    type: String(value.type),
    file: typeof value.localhostProfile === "string" ? value.localhostProfile : undefined,
    at,
  };
}

function fromAnnotation(value: string | undefined, pod: PodTemplate, key: string): Profile | undefined {
  if (value === undefined) return undefined;
  const at = `${pod.metadataPath}.annotations["${key}"]`;
  const v = value.trim();
  if (v === "runtime/default" || v === "docker/default") return { type: "RuntimeDefault", at };
  if (v === "unconfined") return { type: "Unconfined", at };
  if (v.startsWith("localhost/")) return { type: "Localhost", file: v.slice("localhost/".length), at };
  return { type: v, at };
}

function podProfile(pod: PodTemplate): Profile | undefined {
  return (
    fromField(
      field(pod.spec, "securityContext", "seccompProfile"),
      fieldPath(pod.specPath, "securityContext", "seccompProfile"),
    ) ?? fromAnnotation(pod.metadata.annotations[POD_SECCOMP_ANNOTATION], pod, POD_SECCOMP_ANNOTATION)
  );
}

function containerProfile(pod: PodTemplate, c: ContainerRef): Profile | undefined {
  const own = fromField(
    field(c.container, "securityContext", "seccompProfile"),
    fieldPath(c.path, "securityContext", "seccompProfile"),
  );
  if (own) return own;
  const key = `${CONTAINER_SECCOMP_ANNOTATION_PREFIX}${c.name}`;
  return fromAnnotation(pod.metadata.annotations[key], pod, key);
}

function describe(p: Profile): string {
  return p.type === "Localhost" ? `Localhost (${p.file ?? "no file"})` : p.type;
}

const noProfile = sharedText(
  (accepted: string) =>
    `has no seccomp profile (Kubernetes runs it Unconfined); set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container (allowed: ${accepted})`,
);

const allowedBy = perSettings((settings: RuleSettings) => {
  const types = settings.allowedProfiles ?? ["RuntimeDefault", "Localhost"];
  const files = settings.allowedLocalhostFiles ?? ["*"];
  return {
    types,
    accepted: `${types.join(" or ")}${settings.allowUnsetProfile ? " (or none)" : ""}`,
    isAllowed: (p: Profile) =>
      types.includes(p.type) &&
      (p.type !== "Localhost" || files.includes("*") || (p.file !== undefined && files.includes(p.file))),
  };
});

export const seccomp: Rule = {
  name: "seccomp",
  since: "0.1.0",
  description: "Containers run under an allowed seccomp profile (default: RuntimeDefault or Localhost, never unset).",
  defaultLevel: "mandatory",
  settings: ["allowedProfiles", "allowedLocalhostFiles", "allowUnsetProfile", "exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const { types: allowedTypes, accepted, isAllowed } = allowedBy(settings);
    const findings: Finding[] = [];
    const podLevel = podProfile(pod);
    const containers = checkedContainers(pod, settings.exemptImages);
    if (podLevel && !isAllowed(podLevel) && containers.length > 0) {
      findings.push({
        field: podLevel.at,
        message: `seccomp profile ${describe(podLevel)} is not allowed; set seccompProfile.type: ${allowedTypes[0] ?? "RuntimeDefault"} (allowed: ${accepted})`,
      });
    }
    for (const c of containers) {
      const own = containerProfile(pod, c);
      if (own) {
        if (!isAllowed(own)) {
          findings.push({
            container: c.name,
            field: own.at,
            message: `seccomp profile ${describe(own)} is not allowed; set seccompProfile.type: ${allowedTypes[0] ?? "RuntimeDefault"} (allowed: ${accepted})`,
          });
        }
      } else if (!podLevel && !settings.allowUnsetProfile) {
        findings.push({
          container: c.name,
          field: fieldPath(c.path, "securityContext", "seccompProfile"),
          message: noProfile(accepted),
        });
      }
    }
    return findings;
  },
};
