/**
 * The cluster scenarios' stack: an EbpfWorkload (deployment or node placement) on the real API
 * server, its pull Secret from secret registry credentials, and TcpConnectVerification through the
 * kubelet's exec with the verifier's own kubeconfig (a Role with only what the check needs).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "../../components/ebpfWorkload";
import { TcpConnectVerification, workloadUnderTest } from "../../components/tcpConnectVerification";

const config = new pulumi.Config();
const kubeconfig = new pulumi.Config("kubernetes").requireSecret("kubeconfig");
const cluster = new k8s.Provider("cluster", { kubeconfig, enableServerSideApply: true });
const verify = config.requireBoolean("verify");
const placement = config.require("placement") as "deployment" | "node";
const workload = new EbpfWorkload(
  "workbench",
  {
    image: config.require("image"),
    namespace: config.require("namespace"),
    workloadName: config.require("deployment"),
    cpu: "0.25",
    memory: "0.5Gi",
    kernel: config.require("kernel"),
    placement,
    tolerations: config.requireBoolean("tolerateAll") ? [{ operator: "Exists" }] : undefined,
    registryCredentials: {
      server: config.require("registryServer"),
      username: config.require("registryUsername"),
      password: config.requireSecret("registryPassword"),
    },
  },
  { providers: { kubernetes: cluster } },
);
// The verifier's own rights: what the check reads (its Deployment, pods, their events) and the exec.
const verifierRole = new k8s.rbac.v1.Role(
  "verifier",
  {
    metadata: { namespace: workload.namespace, name: "acs-ebpf-verifier" },
    rules: [
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
      { apiGroups: [""], resources: ["events"], verbs: ["list"] },
      // The API server (1.35) refuses the exec WebSocket to a Role with only `create` on pods/exec.
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
    ],
  },
  { provider: cluster, dependsOn: [workload] },
);
const verifierBinding = new k8s.rbac.v1.RoleBinding(
  "verifier",
  {
    metadata: { namespace: workload.namespace, name: "acs-ebpf-verifier" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: verifierRole.metadata.name },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: config.require("verifierUser") }],
  },
  { provider: cluster },
);
const verification = new TcpConnectVerification(
  "tcp-connect",
  {
    ...workloadUnderTest(workload),
    kubeconfig: verify ? config.requireSecret("verifierKubeconfig") : undefined,
    skipReason: verify ? undefined : "verify=false: this stack checks scheduling only",
    readyTimeoutSeconds: 240,
    attachTimeoutSeconds: 60,
    eventTimeoutSeconds: 30,
  },
  { dependsOn: [workload, verifierBinding] },
);

export const capabilities = workload.capabilities;
export const verificationResult = {
  verified: verification.verified,
  skipped: verification.skipped,
  skipReason: verification.skipReason,
  pod: verification.pod,
  kernel: verification.kernel,
  effectiveCapabilities: verification.effectiveCapabilities,
  excessCapabilities: verification.excessCapabilities,
  matchedEvent: verification.matchedEvent,
  timings: verification.timings,
};
