/**
 * The Kubernetes objects of an eBPF workload, as plain objects. `render` dumps them to YAML and
 * the EbpfWorkload component registers them: one builder, so what `render` shows is what
 * `pulumi up` applies.
 */
import type * as k8s from "@pulumi/kubernetes/types/input";
import type { Input } from "@pulumi/pulumi";
import { COMPUTE_CLASS_LABEL, COMPUTE_QOS_LABEL } from "./acs";
import { ANNOTATIONS, KEEP_ALIVE_COMMAND } from "./workload";
import type { ResolvedWorkload } from "./workloadOptions";


export const CONTAINER_NAME = "workbench";
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

export function deploymentManifest(w: ResolvedWorkload, image: DeploymentImage): k8s.apps.v1.Deployment {
  const { plan } = w;
  const selector = selectorLabels(w);
  const mounts = plan.hostPaths.map((h, i) => ({ name: `host-${i}`, path: h.path }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: w.name,
      namespace: w.namespace,
      labels: { ...selector, "app.kubernetes.io/part-of": "acs-ebpf" },
    },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: {
            ...selector,
            [COMPUTE_CLASS_LABEL]: w.computeClass,
            [COMPUTE_QOS_LABEL]: w.computeQos,
          },
          annotations: {
            [ANNOTATIONS.probeKinds]: plan.probeKinds.join(","),
            [ANNOTATIONS.kernel]: plan.kernel === "unknown" ? "unknown" : plan.kernel.release,
            [ANNOTATIONS.architecture]: plan.architecture,
            [ANNOTATIONS.capabilityProfile]: plan.profile,
            ...(plan.add.some((g) => g.name === "SETPCAP") && plan.profile === "least-privilege"
              ? { [ANNOTATIONS.minimizeCapabilities]: "true" }
              : {}),
          },
        },
        spec: {
          // The workbench talks to no API server: no token in the pod.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 10,
          // ACS schedules x86 by default; arm64 is asked for with the standard arch label.
          ...(plan.architecture === "arm64" ? { nodeSelector: { "kubernetes.io/arch": "arm64" } } : {}),
          ...(image.imagePullSecrets?.length ? { imagePullSecrets: image.imagePullSecrets.map((name) => ({ name })) } : {}),
          containers: [
            {
              name: CONTAINER_NAME,
              image: image.image,
              imagePullPolicy: image.imagePullPolicy,
              command: [...KEEP_ALIVE_COMMAND],
              resources: {
                requests: { cpu: w.cpu, memory: w.memory },
                // Limits equal to requests: on >= 5.11 the ring buffer is charged to this memory cgroup.
                limits: { cpu: w.cpu, memory: w.memory },
              },
              securityContext: {
                privileged: false,
                allowPrivilegeEscalation: false,
                // UID 0 on purpose: Kubernetes puts added capabilities in the bounding, permitted and
                // effective sets of root only; a non-root process would start with none of them.
                runAsUser: 0,
                runAsNonRoot: false,
                capabilities: {
                  ...(plan.drop.length ? { drop: [...plan.drop] } : {}),
                  add: plan.add.map((g) => g.name),
                },
                ...(plan.seccompProfile ? { seccompProfile: { type: plan.seccompProfile } } : {}),
              },
              ...(mounts.length
                ? { volumeMounts: mounts.map((m) => ({ name: m.name, mountPath: m.path, readOnly: true })) }
                : {}),
            },
          ],
          ...(mounts.length
            ? { volumes: mounts.map((m) => ({ name: m.name, hostPath: { path: m.path, type: "Directory" } })) }
            : {}),
        },
      },
    },
  };
}

/** Every object of the workload in apply order (the namespace first when the stack owns it). */
export function buildWorkloadManifests(w: ResolvedWorkload, image: DeploymentImage): (k8s.core.v1.Namespace | k8s.apps.v1.Deployment)[] {
  return [...(w.createNamespace ? [namespaceManifest(w)] : []), deploymentManifest(w, image)];
}
