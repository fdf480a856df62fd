/**
 * ebpf-verification — every eBPF workload in a stack is verified by the tcp_connect trace.
 *
 * Applies to: a Pulumi stack (CrossGuard stack validation); not to plain YAML.
 * Restricted: each Deployment (kubernetes:apps/v1:Deployment) that is an eBPF workload (see ebpf.ts).
 *   Other pod-bearing kinds are not checked: the verification resource verifies a Deployment
 *   (its `deployment` input), so they could never comply.
 * Allowed: a dynamic resource (pulumi-nodejs:dynamic:Resource) with check = "tcp_connect-fentry",
 *   namespace = the workload's namespace (default "default") and deployment = its metadata.name;
 *   or every probe container runs the in-pod self-test as its startupProbe (`selfTest: true`):
 *   the rollout then fails unless the trace works, without exec (the sidecar placement's way).
 * Why: capabilities are planned from a declared kernel; only running the trace in the pod proves
 * that the granted set really loads and attaches the program (and reports the real kernel).
 */
import { SELFTEST_PATH, VERIFICATION_CHECK } from "../core/workload";
import { isEbpfWorkload, isProbeContainer } from "./ebpf";
import { field, isRecord, podTemplateOf } from "./podSpecs";
import type { PodTemplate, Rule } from "./types";

const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";

export interface StackResource {
  type: string;
  urn: string;
  props: Record<string, unknown>;
}

export interface StackFinding {
  urn: string;
  resource: string;
  message: string;
}

export const ebpfVerification: Pick<Rule, "name" | "since" | "description" | "defaultLevel" | "settings"> = {
  name: "ebpf-verification",
  since: "0.1.0",
  description: `Every eBPF workload in the stack has a tcp_connect verification resource (dynamic resource with check "${VERIFICATION_CHECK}") or runs the in-pod self-test as its probe's startupProbe.`,
  defaultLevel: "mandatory",
  settings: [],
};

export const STACK_RULES = [ebpfVerification] as const;

/** `kubernetes:apps/v1:Deployment` → `Deployment`; undefined for non-Kubernetes types. */
export function kubernetesKind(type: string): string | undefined {
  const m = /^kubernetes:[^:]+:([A-Za-z]+)$/.exec(type);
  return m?.[1];
}

/** Every probe container of the pod runs ebpf-selftest as its startupProbe: the rollout verifies the trace. */
function selfTested(pod: PodTemplate): boolean {
  const probes = pod.containers.filter((c) => isProbeContainer(pod, c));
  return (
    probes.length > 0 &&
    probes.every((c) => {
      const command = field(c.container, "startupProbe", "exec", "command");
      return Array.isArray(command) && command[0] === SELFTEST_PATH;
    })
  );
}

export function checkVerifications(resources: readonly StackResource[]): StackFinding[] {
  const verified = new Set(
    resources
      .filter((r) => r.type === DYNAMIC_RESOURCE_TYPE && r.props.check === VERIFICATION_CHECK)
      .map((r) => `${String(r.props.namespace ?? "default")}/${String(r.props.deployment ?? "")}`),
  );
  const findings: StackFinding[] = [];
  for (const r of resources) {
    const kind = kubernetesKind(r.type);
    if (kind !== "Deployment") continue;
    const pod = podTemplateOf({ ...r.props, kind });
    if (!pod || !isEbpfWorkload(pod) || selfTested(pod)) continue;
    const meta = isRecord(r.props.metadata) ? r.props.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : undefined;
    const namespace = typeof meta.namespace === "string" ? meta.namespace : "default";
    if (name !== undefined && verified.has(`${namespace}/${name}`)) continue;
    findings.push({
      urn: r.urn,
      resource: pod.resource,
      message: `eBPF workload ${namespace}/${name ?? "(name not known yet)"} has no tcp_connect verification: add the TcpConnectVerification component (a dynamic resource with check "${VERIFICATION_CHECK}", namespace "${namespace}", deployment "${name ?? "<name>"}") or turn on selfTest (the probe's startupProbe runs ${SELFTEST_PATH}), so the stack proves the granted capabilities load and attach the trace`,
    });
  }
  return findings;
}
