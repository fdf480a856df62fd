import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CapabilityGrant, HostPathGrant } from "../core/capabilities";
import {
  daemonSetManifest,
  deploymentManifest,
  namespaceManifest,
  pullPolicyFor,
  pullSecretName,
  selectorLabels,
} from "../core/manifests";
import { PROBE_MODES } from "../core/probeContainer";
import type { Toleration } from "../core/tolerations";
import { COMPONENT_TYPES } from "../core/workload";
import { InputError, InputErrorList, oneOf } from "../core/errors";
import { namespacePodSecurityRefusal } from "../core/podSecurity";
import { ResolvedWorkload, WorkloadOptions, checkDeploymentInputs, resolveWorkload } from "../core/workloadOptions";
import { ImagePullSecret, validateImagePullSecretArgs } from "./imagePullSecret";

/** Credentials for a private registry: the component creates the pull Secret in the namespace. */
export interface RegistryCredentials {
  /** The registry host the pods pull from (an ACR endpoint; on ACS usually the -vpc one). */
  server: string;
  /** Registry user name. */
  username: pulumi.Input<string>;
  /** Registry password; kept a secret. */
  password: pulumi.Input<string>;
}

/**
 * Arguments of an eBPF workload on ACS. The fields that decide capabilities, labels and sizes are
 * plain values, not Inputs, on purpose: they are validated when the component is constructed,
 * before any resource is registered, so a bad value never leaves a half-created stack.
 */
export interface EbpfWorkloadArgs {
  /** Image of the workbench; by digest (`repo@sha256:…`) so each build rolls out. May be a build's output. */
  image: pulumi.Input<string>;
  /** Namespace of the workload (a DNS-1123 label). */
  namespace: string;
  /**
   * Create the namespace, labelled pod-security.kubernetes.io/enforce=privileged. When false the namespace must already
   * admit privileged pods. Default true; when false, a warning says what the namespace needs.
   */
  createNamespace?: boolean;
  /**
   * With createNamespace false: read the namespace (needs get on it) and stop before anything is created when its Pod
   * Security enforce level would reject the probe's pods. Default true.
   */
  checkPodSecurity?: boolean;
  /**
   * Seconds `pulumi up` waits for the Deployment (the DaemonSet) to roll out before it fails with its pods' state, 30
   * to 3600. Default 600.
   */
  rolloutTimeoutSeconds?: number;
  /** Deployment name; default: the component's name. */
  workloadName?: string;
  /** Number of pods, 0 to 100. Default 1. */
  replicas?: number;
  /**
   * ACS compute class, one of: general-purpose, performance, gpu, gpu-hpn. On the pod template only. Default
   * general-purpose.
   */
  computeClass?: string;
  /**
   * ACS compute QoS, one of: default, best-effort (gpu-hpn: default only). On the pod template only. Default default.
   */
  computeQos?: string;
  /**
   * CPU request and limit of the probe container (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps
   * to 16. Default "1".
   */
  cpu?: string;
  /**
   * Memory request and limit of the probe container (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and
   * 8 x vCPU. Default "2Gi".
   */
  memory?: string;
  /**
   * eBPF probe kinds the workload runs, each one of: fentry, kprobe, kprobe-tracefs, tracepoint, tc, xdp, raw-socket,
   * ksym. Default ["fentry"]: the tcp_connect trace.
   */
  probeKinds?: string[];
  /**
   * Node kernel release (uname -r), or unknown. Decides SYS_RESOURCE (needed before 5.11) and the minimum kernel.
   * Default "unknown".
   */
  kernel?: string;
  /** CPU architecture, one of: amd64, arm64. Default amd64. */
  architecture?: string;
  /**
   * Capability profile, one of: least-privilege, vendor-demo; vendor-demo reproduces the vendor document's seven
   * capabilities and is high risk. Default least-privilege.
   */
  capabilityProfile?: string;
  /** Seccomp profile of the probe container, one of: RuntimeDefault, Unconfined. Default RuntimeDefault. */
  seccompProfile?: string;
  /**
   * Grant SETPCAP so the verification can re-run the trace once per capability with it removed, to report which are
   * necessary; turn it off after the run. Default false.
   */
  minimizeCapabilities?: boolean;
  /** Names of existing dockerconfigjson Secrets in the namespace for private registries. */
  imagePullSecrets?: pulumi.Input<string>[];
  /** Registry credentials: a pull Secret `<workloadName>-registry` is created before the Deployment and used by it. */
  registryCredentials?: RegistryCredentials;
  /** deployment (default): a workbench Deployment on ACS; node: a DaemonSet, one probe per node of a node-based cluster (refused on ACS). */
  placement?: "deployment" | "node";
  /** The target cluster is ACS: the node placement is refused (ACS runs no DaemonSets). */
  acs?: boolean;
  /**
   * Node placement: tolerations of the DaemonSet, Kubernetes Toleration objects (key, operator Exists or Equal, value,
   * effect, tolerationSeconds), the tainted nodes the probe may run on. Default none: only untainted nodes; [{operator:
   * Exists}] tolerates every taint. Refused with the deployment placement.
   */
  tolerations?: Toleration[];
  /**
   * What the probe container runs, one of: workbench, monitor: workbench, a shell to `kubectl exec` into; monitor, the
   * trace as the container's process with its events on stdout. Default workbench.
   */
  mode?: "workbench" | "monitor";
  /**
   * Run /usr/local/bin/ebpf-selftest as the probe's startupProbe, so the rollout fails when eBPF does not work in the
   * pod. Default false.
   */
  selfTest?: boolean;
}

/**
 * Validates every plain argument of an EbpfWorkload (the capability model's inputs, the ACS labels
 * and sizes, the placement, the mode, the image when given, the pull Secrets and the registry
 * credentials) and resolves the workload; throws InputErrors before anything is registered, each
 * named as the caller wrote it. EbpfWorkbench calls it too (without `image`), before its own super().
 */
export function validateEbpfWorkloadArgs(
  name: string,
  args: Omit<EbpfWorkloadArgs, "image"> & { image?: EbpfWorkloadArgs["image"] },
): ResolvedWorkload {
  const {
    workloadName,
    mode,
    selfTest,
    registryCredentials,
    imagePullSecrets: _pullSecrets,
    image: _image,
    ...rest
  } = args;
  const errors = [
    ...(mode !== undefined && !(PROBE_MODES as readonly string[]).includes(mode)
      ? [new InputError("mode", mode, oneOf(PROBE_MODES))]
      : []),
    ...(selfTest !== undefined && typeof selfTest !== "boolean"
      ? [new InputError("selfTest", selfTest, "true or false")]
      : []),
    ...(args.acs !== undefined && typeof args.acs !== "boolean"
      ? [new InputError("acs", args.acs, "true or false")]
      : []),
    ...checkDeploymentInputs(args),
  ];
  const options: WorkloadOptions = { ...rest, name: workloadName ?? name };
  const bad = new InputErrorList();
  const resolved = bad.attempt(
    () => resolveWorkload(options),
    // The Deployment name is `workloadName` when given: name the argument the caller wrote.
    (input) => (input === "name" && workloadName !== undefined ? "workloadName" : input),
  );
  bad.errors.push(...errors);
  if (registryCredentials) {
    bad.attempt(
      () =>
        validateImagePullSecretArgs({
          ...registryCredentials,
          // With a bad workload, the namespace is reported as itself, not again as the Secret's.
          namespace: resolved ? resolved.namespace : new Promise<string>(() => undefined),
          secretName: resolved ? pullSecretName(resolved) : undefined,
        }),
      (input) => `registryCredentials.${input}`,
    );
  }
  bad.throwIfAny();
  return resolved!;
}

/**
 * A least-privilege eBPF workload on ACS: the namespace (optional) and a Deployment whose
 * container drops ALL capabilities and adds only what the capability model requires (or, for the
 * node placement on a node-based cluster, a DaemonSet with the same probe container).
 */
export class EbpfWorkload extends pulumi.ComponentResource {
  /** The resolved, validated workload (plain values), e.g. for `render` or tests. */
  readonly resolved: ResolvedWorkload;
  readonly namespace: pulumi.Output<string>;
  /** Name of the Deployment (of the DaemonSet, for the node placement). */
  readonly deploymentName: pulumi.Output<string>;
  /** Labels that select the workload's pods. */
  readonly selector: pulumi.Output<Record<string, string>>;
  /** The pod template as applied: a change here means new pods (the verification re-runs on it). */
  readonly podTemplate: pulumi.Output<unknown>;
  readonly image: pulumi.Output<string>;
  readonly capabilities: CapabilityGrant[];
  readonly notNeeded: CapabilityGrant[];
  readonly hostPaths: HostPathGrant[];
  readonly warnings: string[];
  /** The Deployment, or the DaemonSet of the node placement. */
  readonly workload: k8s.apps.v1.Deployment | k8s.apps.v1.DaemonSet;

  constructor(name: string, args: EbpfWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: throwing before super() registers nothing at all.
    // `image` is passed explicitly so that a missing one is reported too.
    const resolved = validateEbpfWorkloadArgs(name, { ...args, image: args.image });
    const podOptions = { mode: args.mode, selfTest: args.selfTest };
    const secretName = pullSecretName(resolved);
    super(COMPONENT_TYPES.workload, name, {}, opts);
    this.resolved = resolved;

    for (const warning of resolved.warnings) pulumi.log.warn(warning, this);

    const namespace = resolved.createNamespace
      ? new k8s.core.v1.Namespace(`${name}-namespace`, namespaceManifest(resolved), { parent: this })
      : undefined;
    // Everything in the namespace waits on its name: created, or read and found to admit the probe.
    const namespaceName = namespace ? namespace.metadata.name : admittingNamespace(name, resolved, this);
    const pullSecret = args.registryCredentials
      ? new ImagePullSecret(
          `${name}-registry`,
          { ...args.registryCredentials, namespace: namespaceName, secretName },
          { parent: this },
        )
      : undefined;
    const image = pulumi.output(args.image);
    const podImage = {
      image,
      imagePullPolicy: image.apply(pullPolicyFor),
      imagePullSecrets: [...(args.imagePullSecrets ?? []), ...(pullSecret ? [secretName] : [])],
    };
    // The rollout wait is the Kubernetes provider's await: a pod that never starts (a missing image,
    // a refused pull) fails the up after this long, with the pods' state, instead of its 10 minutes.
    const rollout = `${resolved.rolloutTimeoutSeconds}s`;
    const childOpts = {
      parent: this,
      dependsOn: [...(namespace ? [namespace] : []), ...(pullSecret ? [pullSecret] : [])],
      customTimeouts: { create: rollout, update: rollout },
    };
    const inNamespace = <T extends { metadata?: object }>(manifest: T): T => ({
      ...manifest,
      metadata: { ...manifest.metadata, namespace: namespaceName },
    });
    this.workload =
      resolved.placement === "node"
        ? new k8s.apps.v1.DaemonSet(
            `${name}-daemonset`,
            inNamespace(daemonSetManifest(resolved, podImage, podOptions)),
            childOpts,
          )
        : new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            inNamespace(deploymentManifest(resolved, podImage, podOptions)),
            childOpts,
          );

    this.namespace = namespaceName;
    this.deploymentName = this.workload.metadata.name;
    this.selector = pulumi.output(selectorLabels(resolved));
    this.podTemplate = this.workload.spec.template;
    this.image = image;
    this.capabilities = resolved.plan.add;
    this.notNeeded = resolved.plan.notNeeded;
    this.hostPaths = resolved.plan.hostPaths;
    this.warnings = resolved.warnings;

    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      selector: this.selector,
      image: this.image,
      capabilities: this.capabilities,
      notNeeded: this.notNeeded,
      warnings: this.warnings,
    });
  }
}

/**
 * The name of a namespace this stack does not create, once it is known to admit the probe's pods:
 * with `checkPodSecurity` the namespace is read (`get`, in preview too) and a level that would reject
 * them fails every resource in it, so nothing is created. Unchecked, the name as given.
 */
export function admittingNamespace(
  name: string,
  resolved: ResolvedWorkload,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  if (!resolved.checkPodSecurity) return pulumi.output(resolved.namespace);
  const existing = k8s.core.v1.Namespace.get(`${name}-existing-namespace`, resolved.namespace, { parent });
  return existing.metadata.apply((metadata) => {
    const refusal = namespacePodSecurityRefusal(resolved.namespace, metadata?.labels, resolved.plan);
    if (refusal) {
      // Its own diagnostic on the component: the RunError reaches the user only wrapped in the
      // engine's "error serializing property ..." chain of every resource in the namespace.
      void pulumi.log.error(refusal.message, parent);
      throw new pulumi.RunError(refusal.message);
    }
    return resolved.namespace;
  });
}
