/**
 * The cluster scenarios' stack: an EbpfWorkload (deployment or node placement) or a sample
 * application Deployment with the probe as a native sidecar (EbpfSidecarWorkload), on the real API
 * server, its pull Secret from secret registry credentials, and TcpConnectVerification through the
 * kubelet's exec with the verifier's own kubeconfig (a Role with only what the check needs).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "../../components/ebpfWorkload";
import { EbpfSidecarWorkload } from "../../components/ebpfSidecarWorkload";
import { ImagePullSecret } from "../../components/imagePullSecret";
import { selfTestDiagnosis } from "../../components/selfTestDiagnosis";
import { TcpConnectVerification, workloadUnderTest } from "../../components/tcpConnectVerification";
import { verificationOutputs } from "../../testing/e2e/verificationOutputs";

const config = new pulumi.Config();
const kubeconfig = new pulumi.Config("kubernetes").requireSecret("kubeconfig");
const cluster = new k8s.Provider("cluster", { kubeconfig, enableServerSideApply: true });
const placement = config.require("placement") as "deployment" | "node" | "sidecar";
const registryCredentials = {
  server: config.require("registryServer"),
  username: config.require("registryUsername"),
  password: config.requireSecret("registryPassword"),
};

/**
 * Test-only transforms of the sidecar's Deployment: a short rollout timeout (customTimeouts, as
 * EbpfWorkload's rolloutTimeoutSeconds sets on its own, so a failing rollout ends `pulumi up` in
 * minutes, not the provider's 10), and `stripPerfmon`, which removes PERFMON from the probe's added
 * capabilities the way a platform that does not honour added capabilities (ACS without privileged
 * mode, an admission webhook) leaves the probe short.
 */
function testTransforms(probe: string): pulumi.ResourceTransform[] {
  const rolloutSeconds = config.getNumber("rolloutTimeoutSeconds");
  const strip = config.getBoolean("stripPerfmon") ?? false;
  return [
    (args) => {
      if (args.type !== "kubernetes:apps/v1:Deployment") return undefined;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Deployment's inputs as plain values
      const props = args.props as any;
      if (strip) {
        for (const c of props.spec?.template?.spec?.initContainers ?? []) {
          const caps = c.name === probe ? c.securityContext?.capabilities : undefined;
          if (caps?.add) caps.add = caps.add.filter((cap: string) => cap !== "PERFMON");
        }
      }
      const timeout = rolloutSeconds ? `${rolloutSeconds}s` : undefined;
      return {
        props,
        opts: timeout ? { ...args.opts, customTimeouts: { create: timeout, update: timeout } } : args.opts,
      };
    },
  ];
}

/** A sample application Deployment, opted in to the probe as a native sidecar (Kubernetes 1.35). */
function sidecarStack() {
  const ns = config.require("namespace");
  const name = config.require("deployment");
  const image = config.require("image");
  const namespace = new k8s.core.v1.Namespace(
    "app",
    // The probe adds BPF and PERFMON: outside "baseline" (the component's namespaceNeeds says so).
    { metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
    { provider: cluster },
  );
  const pullSecret = new ImagePullSecret(
    "app-registry",
    { ...registryCredentials, namespace: namespace.metadata.name, secretName: "app-registry" },
    { providers: { kubernetes: cluster } },
  );
  const labels = { app: name };
  const app = new EbpfSidecarWorkload(
    name,
    {
      workload: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: ns, labels: { ...labels, "acs-ebpf.io/ebpf-sidecar": "enabled" } },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              imagePullSecrets: [{ name: "app-registry" }],
              terminationGracePeriodSeconds: 5,
              containers: [
                {
                  name: "app",
                  image,
                  command: ["/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait"],
                  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
                },
              ],
            },
          },
        },
      },
      image,
      kubernetesVersion: "1.35",
      kernel: config.require("kernel"),
      mode: "workbench",
    },
    {
      providers: { kubernetes: cluster },
      dependsOn: [namespace, pullSecret],
      // The provider's await says only "not Ready": the project's hook names the self-test's failure.
      transforms: [...testTransforms("ebpf-probe"), selfTestDiagnosis(kubeconfig)],
    },
  );
  return { style: app.style, probeContainer: app.probeContainer, namespaceNeeds: app.namespaceNeeds };
}

function workloadStack() {
  const verify = config.requireBoolean("verify");
  const workload = new EbpfWorkload(
    "workbench",
    {
      image: config.require("image"),
      namespace: config.require("namespace"),
      workloadName: config.require("deployment"),
      cpu: "0.25",
      memory: "0.5Gi",
      kernel: config.require("kernel"),
      placement: placement as "deployment" | "node",
      capabilityProfile: config.get("capabilityProfile"),
      createNamespace: config.getBoolean("createNamespace"),
      rolloutTimeoutSeconds: config.getNumber("rolloutTimeoutSeconds") || undefined,
      minimizeCapabilities: config.getBoolean("minimizeCapabilities"),
      tolerations: config.requireBoolean("tolerateAll") ? [{ operator: "Exists" }] : undefined,
      registryCredentials,
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
      target: config.get("target") || undefined,
      readyTimeoutSeconds: 240,
      attachTimeoutSeconds: 60,
      eventTimeoutSeconds: config.getNumber("eventTimeoutSeconds") ?? 30,
    },
    { dependsOn: [workload, verifierBinding] },
  );
  return {
    capabilities: workload.capabilities,
    verificationResult: verificationOutputs(verification),
  };
}

const stack = placement === "sidecar" ? { sidecar: sidecarStack() } : workloadStack();
export const sidecar = "sidecar" in stack ? stack.sidecar : undefined;
export const capabilities = "capabilities" in stack ? stack.capabilities : undefined;
export const verificationResult = "verificationResult" in stack ? stack.verificationResult : undefined;
