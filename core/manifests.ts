/**
 * The Kubernetes objects of an eBPF workload, as plain objects. `render` dumps them to YAML and
 * the EbpfWorkload component registers them: one builder, so what `render` shows is what
 * `pulumi up` applies.
 */
import type * as k8s from "@pulumi/kubernetes/types/input";
import type { Input } from "@pulumi/pulumi";
import { COMPUTE_CLASS_LABEL, COMPUTE_QOS_LABEL } from "./acs";
import { ProbeMode, probeAnnotations, probeContainer } from "./probeContainer";
import type { ResolvedWorkload } from "./workloadOptions";

const CONTAINER_NAME = "workbench";
const DIGEST_REF = /@sha256:[0-9a-f]{64}$/;

/** A digest never changes, so there is nothing to re-pull; a tag can move, so always pull it. */
export function pullPolicyFor(image: string): "IfNotPresent" | "Always" {
  return DIGEST_REF.test(image) ? "IfNotPresent" : "Always";
}

/** The imagePullSecret the workload's component creates when it is given registry credentials. */
export function pullSecretName(w: Pick<ResolvedWorkload, "name">): string {
  return `${w.name}-registry`;
}

/** Labels that select the workload's pods. ACS labels are never part of it (ACS may rewrite them). */
export function selectorLabels(w: ResolvedWorkload): Record<string, string> {
  return { "app.kubernetes.io/name": "ebpf-workbench", "app.kubernetes.io/instance": w.name };
}

export function namespaceManifest(w: ResolvedWorkload): k8s.core.v1.Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: w.namespace,
      labels: {
        "app.kubernetes.io/part-of": "acs-ebpf",
        // CAP_BPF and CAP_PERFMON are outside Pod Security "baseline": only "privileged" admits the pod.
        "pod-security.kubernetes.io/enforce": w.plan.podSecurityLevel,
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  };
}

/** The image fields: strings in `render`, Pulumi Inputs (e.g. a build's digest) in a component. */
export interface DeploymentImage {
  image: Input<string>;
  imagePullPolicy: Input<string>;
  /** Names of dockerconfigjson Secrets in the workload's namespace. */
  imagePullSecrets?: Input<string>[];
}

/** The workbench pod template: the probe container (core/probeContainer.ts) alone in its pod. */
function workbenchPodTemplate(
  w: ResolvedWorkload,
  image: DeploymentImage,
  options: WorkbenchPodOptions,
): k8s.core.v1.PodTemplateSpec {
  const { plan } = w;
  const probe = probeContainer({
    name: CONTAINER_NAME,
    plan,
    image: image.image,
    imagePullPolicy: image.imagePullPolicy,
    cpu: w.cpu,
    memory: w.memory,
    mode: options.mode ?? "workbench",
    selfTest: options.selfTest,
    volumePrefix: "host-",
  });
  return {
    metadata: {
      labels: {
        ...selectorLabels(w),
        // ACS labels on the template only (ACS may rewrite them); a node-based cluster has none.
        ...(w.placement === "deployment"
          ? { [COMPUTE_CLASS_LABEL]: w.computeClass, [COMPUTE_QOS_LABEL]: w.computeQos }
          : {}),
      },
      annotations: probeAnnotations(plan),
    },
    spec: {
      // The workbench talks to no API server: no token in the pod.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 10,
      // ACS schedules x86 by default; arm64 is asked for with the standard arch label.
      ...(plan.architecture === "arm64" ? { nodeSelector: { "kubernetes.io/arch": "arm64" } } : {}),
      // Node placement only: the tainted nodes the DaemonSet may run on (default none, core/tolerations.ts).
      ...(w.tolerations.length ? { tolerations: w.tolerations.map((t) => ({ ...t })) } : {}),
      ...(image.imagePullSecrets?.length ? { imagePullSecrets: image.imagePullSecrets.map((name) => ({ name })) } : {}),
      containers: [probe.container],
      ...(probe.volumes.length ? { volumes: probe.volumes } : {}),
    },
  };
}

/** How the workbench's probe container runs (defaults: the interactive workbench, no self-test). */
export interface WorkbenchPodOptions {
  mode?: ProbeMode;
  selfTest?: boolean;
}

function workloadMetadata(w: ResolvedWorkload) {
  return {
    name: w.name,
    namespace: w.namespace,
    labels: { ...selectorLabels(w), "app.kubernetes.io/part-of": "acs-ebpf" },
  };
}

export function deploymentManifest(
  w: ResolvedWorkload,
  image: DeploymentImage,
  options: WorkbenchPodOptions = {},
): k8s.apps.v1.Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: workloadMetadata(w),
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: selectorLabels(w) },
      template: workbenchPodTemplate(w, image, options),
    },
  };
}

/** The node placement: one probe per node of a node-based cluster (ACK and others; never ACS). */
export function daemonSetManifest(
  w: ResolvedWorkload,
  image: DeploymentImage,
  options: WorkbenchPodOptions = {},
): k8s.apps.v1.DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: workloadMetadata(w),
    spec: {
      selector: { matchLabels: selectorLabels(w) },
      template: workbenchPodTemplate(w, image, options),
    },
  };
}

/** Every object of the workload in apply order (the namespace first when the stack owns it). */
export function buildWorkloadManifests(
  w: ResolvedWorkload,
  image: DeploymentImage,
  options: WorkbenchPodOptions = {},
): (k8s.core.v1.Namespace | k8s.apps.v1.Deployment | k8s.apps.v1.DaemonSet)[] {
  const workload =
    w.placement === "node" ? daemonSetManifest(w, image, options) : deploymentManifest(w, image, options);
  return [...(w.createNamespace ? [namespaceManifest(w)] : []), workload];
}
