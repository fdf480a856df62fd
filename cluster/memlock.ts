/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects read back as JSON */
/**
 * The `memlock-rlimit` scenario: the model's SYS_RESOURCE against the node. Before 5.11 the model
 * grants SYS_RESOURCE because the tracer (cilium/ebpf's rlimit.RemoveMemlock) raises RLIMIT_MEMLOCK
 * to unlimited, and BPF memory counts against that limit. containerd 1.7's CRI writes no rlimit into
 * a container's spec: the container keeps containerd's own RLIMIT_MEMLOCK. So the raise needs
 * SYS_RESOURCE exactly when that hard limit is finite. The scenario reads the probe container's
 * limit and, where the model grants SYS_RESOURCE, runs the project's check in a pod with the probe's
 * securityContext minus SYS_RESOURCE: with a finite hard limit the tracer must fail, classified.
 * Where the model grants no SYS_RESOURCE (>= 5.11), `deployment-placement` already verified a pod
 * without it.
 */
import { apiOk, apiRequest } from "./api";
import { Cluster } from "./node";
import { assert, execInPod } from "./scenarioSupport";
import { parseMemlockLimit, RlimitValue } from "./status";
import { needsMemlockRaise } from "../core/capabilities";
import { parseKernelRelease } from "../core/kernel";
import { runCheck } from "../verification/check";
import { createKubernetesTransport } from "../verification/kubernetesTransport";

const POD = "memlock-probe";
const LABEL = "acs-ebpf.test/memlock";

export interface MemlockInput {
  namespace: string;
  /** The probe's Deployment (deployment-placement's). */
  deployment: string;
  /** The node's `uname -r`: the model's kernel input. */
  kernel: string;
  /** The grant deployment-placement read from the stack (undefined if it did not run). */
  grant?: readonly string[];
}

const bytes = (v: RlimitValue) => (v === "unlimited" ? v : `${v} bytes`);

export async function memlockScenario(cluster: Cluster, input: MemlockInput): Promise<string> {
  const { namespace, kernel, grant } = input;
  assert(grant, "memlock-rlimit needs deployment-placement's probe: run it first");
  const admin = createKubernetesTransport(cluster.adminKubeconfig);
  const selector = await admin.deploymentSelector(namespace, input.deployment);
  const probe = (await admin.listPods(namespace, selector)).find((p) => p.ready && !p.deleting);
  assert(probe, `no Ready pod of ${namespace}/${input.deployment}`);
  const limits = await execInPod(cluster, namespace, probe.name, probe.containers[0], ["cat", "/proc/self/limits"]);
  const memlock = parseMemlockLimit(limits);
  const release = parseKernelRelease(kernel);
  const needs = needsMemlockRaise(release ?? "unknown");
  assert(
    grant.includes("SYS_RESOURCE") === needs,
    `the probe's grant [${grant.join(", ")}] and the model's SYS_RESOURCE rule for ${kernel} disagree`,
  );
  const limitText = `RLIMIT_MEMLOCK in the probe container ${bytes(memlock.soft)} soft, ${bytes(memlock.hard)} hard`;
  if (!needs)
    return `kernel ${kernel}: ${limitText}; the model grants no SYS_RESOURCE (BPF memory charged to the memory cgroup) and deployment-placement verified the probe without it`;

  const without = grant.filter((c) => c !== "SYS_RESOURCE");
  await createWithout(cluster, namespace, probe.name);
  try {
    const result = await runCheck(admin, {
      namespace,
      deployment: POD,
      labelSelector: `${LABEL}=without-sys-resource`,
      readyTimeoutMs: 240_000,
      attachTimeoutMs: 60_000,
      eventTimeoutMs: 30_000,
    });
    const effective = [...result.effectiveCapabilities].sort().join(", ");
    assert(
      effective === [...without].sort().join(", "),
      `the pod without SYS_RESOURCE has [${effective}], expected [${without.join(", ")}]`,
    );
    const stderr = result.failure?.tracerStderr ?? [];
    if (memlock.hard === "unlimited") {
      // The raise needs no privilege: the model's SYS_RESOURCE would be excess on this node.
      assert(
        result.verified,
        `hard limit unlimited, yet the check failed without SYS_RESOURCE: ${JSON.stringify(result.failure)}`,
      );
      return `kernel ${kernel}: ${limitText}; the check verified without SYS_RESOURCE: the model's SYS_RESOURCE is excess on a node whose runtime gives containers an unlimited RLIMIT_MEMLOCK`;
    }
    assert(!result.verified, `with a finite RLIMIT_MEMLOCK the check verified without SYS_RESOURCE on ${kernel}`);
    const line = stderr.find((l) => /failed to set memlock rlimit: operation not permitted/.test(l));
    assert(
      result.failure?.kind === "operation-not-permitted" && line,
      `without SYS_RESOURCE: ${result.failure?.kind} ${JSON.stringify(stderr)}, expected operation-not-permitted from the memlock raise`,
    );
    return `kernel ${kernel}: ${limitText} (containerd's, passed on); the model grants SYS_RESOURCE; a pod with [${without.join(", ")}] fails the check [${result.failure!.kind}]: ${line.replace(/^\S+ \S+ /, "")}`;
  } finally {
    await apiRequest(cluster.admin, "DELETE", `/api/v1/namespaces/${namespace}/pods/${POD}?gracePeriodSeconds=0`);
  }
}

/** A pod like the probe's (image, command, securityContext, pull Secret) but without SYS_RESOURCE. */
async function createWithout(cluster: Cluster, namespace: string, probePod: string): Promise<void> {
  const pod = await apiOk<any>(cluster.admin, "GET", `/api/v1/namespaces/${namespace}/pods/${probePod}`);
  const c = pod.spec.containers[0];
  const sc = c.securityContext ?? {};
  const add = (sc.capabilities?.add ?? []).filter((n: string) => n !== "SYS_RESOURCE");
  await apiOk(cluster.admin, "POST", `/api/v1/namespaces/${namespace}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: POD, labels: { [LABEL]: "without-sys-resource" }, annotations: pod.metadata.annotations },
    spec: {
      imagePullSecrets: pod.spec.imagePullSecrets,
      securityContext: pod.spec.securityContext,
      automountServiceAccountToken: pod.spec.automountServiceAccountToken,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: c.name,
          image: c.image,
          command: c.command,
          args: c.args,
          resources: c.resources,
          securityContext: { ...sc, capabilities: { ...sc.capabilities, add } },
        },
      ],
    },
  });
}
