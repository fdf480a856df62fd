import * as pulumi from "@pulumi/pulumi";
import type { CapabilityGrant, CapabilityProfile, ProbeKind, SeccompProfile } from "../core/capabilities";
import type { ComputeClass, ComputeQos } from "../core/acs";
import type { Architecture } from "../core/kernel";
import type { ProbeMode } from "../core/probeContainer";
import { InputError, InputErrorList } from "../core/errors";
import type { WorkbenchBuildArgs } from "../core/imagePlan";
import { optionsNotFor } from "../core/options";
import { IMAGE_REFERENCE_FORM, requirePinnedReference } from "../core/registry";
import { isDeferred } from "../core/workloadOptions";
import { Placement, checkPlacement, defaultProbeMode } from "../core/placement";
import { resolveSidecarOptions } from "../core/sidecar";
import type { Toleration } from "../core/tolerations";
import { COMPONENT_TYPES } from "../core/workload";
import { CROSS_LANGUAGE_SIDECAR_NOTE, CROSS_LANGUAGE_VERIFICATION_NOTE, isComponentProvider } from "./crossLanguage";
import { EbpfWorkload, RegistryCredentials, validateEbpfWorkloadArgs } from "./ebpfWorkload";
import { ebpfSidecarTransform } from "./ebpfSidecar";
import { TcpConnectVerification, TcpConnectVerificationArgs, validateVerificationArgs } from "./tcpConnectVerification";
import { WorkbenchImage, planWorkbenchImage } from "./workbenchImage";

export type { WorkbenchBuildArgs };

/**
 * Arguments of the eBPF workbench. Decision fields are plain values (validated when the component
 * is constructed, before anything is registered); enums are string unions.
 */
export interface EbpfWorkbenchArgs {
  /**
   * Where the probe runs. deployment (default): a standalone workbench Deployment on ACS (it sees
   * only its own pod's kernel). sidecar: the probe in your application's pods (the way to observe an
   * application on ACS): the component outputs `sidecarTransform` for your workloads. node: a
   * DaemonSet, one probe per node, for node-based clusters (ACK and others); refused on ACS.
   */
  placement?: Placement;
  /** An existing workbench image by digest (`repo@sha256:…`). Set this or `build`. */
  image?: pulumi.Input<string>;
  /** Build the workbench image and push it to ACR; it is deployed by digest. Set this or `image`. */
  build?: WorkbenchBuildArgs;
  /** Namespace of the workload (a DNS-1123 label). Default ebpf-workbench. Not used by the sidecar placement. */
  namespace?: string;
  /**
   * Create the namespace, labelled pod-security.kubernetes.io/enforce=privileged. When false the namespace must already
   * admit privileged pods. Default true.
   */
  createNamespace?: boolean;
  /**
   * With createNamespace false: read the namespace (needs get on it) and stop before anything is created when its Pod
   * Security enforce level would reject the probe's pods. Default true. Not used by the sidecar placement.
   */
  checkPodSecurity?: boolean;
  /**
   * Seconds `pulumi up` waits for the Deployment (the DaemonSet) to roll out before it fails with its pods' state, 30
   * to 3600. Default 600. Not used by the sidecar placement.
   */
  rolloutTimeoutSeconds?: number;
  /** Name of the Deployment or DaemonSet (default: the component's name). */
  workloadName?: string;
  /** Number of pods, 0 to 100. Default 1. Deployment placement. */
  replicas?: number;
  /**
   * ACS compute class, one of: general-purpose, performance, gpu, gpu-hpn. On the pod template only. Default
   * general-purpose. Deployment placement; refused with the node placement.
   */
  computeClass?: ComputeClass;
  /**
   * ACS compute QoS, one of: default, best-effort (gpu-hpn: default only). On the pod template only. Default default.
   * Deployment placement; refused with the node placement.
   */
  computeQos?: ComputeQos;
  /**
   * CPU request and limit of the probe container (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps
   * to 16. Default 1 for deployment/node, 250m for sidecar.
   */
  cpu?: string;
  /**
   * Memory request and limit of the probe container (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and
   * 8 x vCPU. Default 2Gi for deployment/node, 256Mi for sidecar.
   */
  memory?: string;
  /**
   * eBPF probe kinds the workload runs, each one of: fentry, kprobe, kprobe-tracefs, tracepoint, tc, xdp, raw-socket,
   * ksym. Default ["fentry"]: the tcp_connect trace.
   */
  probeKinds?: ProbeKind[];
  /**
   * Node kernel release (uname -r), or unknown. Decides SYS_RESOURCE (needed before 5.11) and the minimum kernel.
   * Default "unknown".
   */
  kernel?: string;
  /** CPU architecture, one of: amd64, arm64. Default amd64. */
  architecture?: Architecture;
  /**
   * Capability profile, one of: least-privilege, vendor-demo; vendor-demo reproduces the vendor document's seven
   * capabilities and is high risk. Default least-privilege; not for the sidecar.
   */
  capabilityProfile?: CapabilityProfile;
  /** Seccomp profile of the probe container, one of: RuntimeDefault, Unconfined. Default RuntimeDefault. */
  seccompProfile?: SeccompProfile;
  /**
   * What the probe container runs, one of: workbench, monitor: workbench, a shell to `kubectl exec` into; monitor, the
   * trace as the container's process with its events on stdout. Default workbench for deployment, monitor for sidecar
   * and node.
   */
  mode?: ProbeMode;
  /**
   * Run /usr/local/bin/ebpf-selftest as the probe's startupProbe, so the rollout fails when eBPF does not work in the
   * pod. Default true; needs no pods/exec RBAC. With the sidecar placement a failing self-test also holds back the
   * application's containers (native sidecar): set false to avoid that.
   */
  selfTest?: boolean;
  /** The cluster's Kubernetes version (sidecar placement, required): native sidecar from 1.29, else `__IS_SIDECAR__=true`. */
  kubernetesVersion?: string;
  /** The target is ACS (refuses the node placement). */
  acs?: boolean;
  /**
   * Node placement: tolerations of the DaemonSet, Kubernetes Toleration objects (key, operator Exists or Equal, value,
   * effect, tolerationSeconds), the tainted nodes the probe may run on. Default none: only untainted nodes; [{operator:
   * Exists}] tolerates every taint. A probe that reads kernel memory goes where the platform team tainted nodes against
   * only when told. Node placement only.
   */
  tolerations?: Toleration[];
  /** Sidecar placement: register `sidecarTransform` for every resource declared after this component in the stack (default false). */
  applyToStack?: boolean;
  /** Names of existing dockerconfigjson Secrets in the namespace (deployment and node placements). */
  imagePullSecrets?: pulumi.Input<string>[];
  /** Registry credentials: a pull Secret is created in the namespace (deployment and node placements). */
  registryCredentials?: RegistryCredentials;
  /** kubeconfig of the cluster for the tcp_connect verification (deployment placement); kept secret. Unset: the verification is skipped and says so. */
  kubeconfig?: pulumi.Input<string>;
  /** kubeconfig context for the verification (default: its current-context). */
  kubeconfigContext?: pulumi.Input<string>;
  /** `host:port` (IPv4) the verification connects to from the pod (default a loopback port). */
  verifyTarget?: string;
  /**
   * Grant SETPCAP so the verification can re-run the trace once per capability with it removed, to report which are
   * necessary; turn it off after the run. Default false. Deployment placement.
   */
  minimizeCapabilities?: boolean;
  /**
   * Accept `image` by a fixed tag (not latest) instead of a digest. Default false: a tag can be re-pushed, so the
   * image is then pulled on every start (imagePullPolicy Always) and a re-pushed tag does not roll out.
   */
  allowImageTag?: boolean;
  /** Why the verification is skipped when `kubeconfig` is unset (shown in the outputs and as a warning). */
  verifySkipReason?: string;
  /** Seconds the verification waits for a Ready pod, 1 to 3600 (default 300). */
  verifyReadyTimeoutSeconds?: number;
  /** Seconds the tracer may take to attach, 1 to 3600 (default 30). */
  verifyAttachTimeoutSeconds?: number;
  /** Seconds the verification waits for the connection's trace event, 1 to 3600 (default 15). */
  verifyEventTimeoutSeconds?: number;
}

/** The workbench's arguments that only its tcp_connect verification reads, as that resource names them. */
const VERIFICATION_ARGS = {
  kubeconfig: "kubeconfig",
  kubeconfigContext: "context",
  verifyTarget: "target",
  verifySkipReason: "skipReason",
  verifyReadyTimeoutSeconds: "readyTimeoutSeconds",
  verifyAttachTimeoutSeconds: "attachTimeoutSeconds",
  verifyEventTimeoutSeconds: "eventTimeoutSeconds",
} as const;
type VerificationArg = keyof typeof VERIFICATION_ARGS;
const VERIFICATION_ARG_NAMES = Object.keys(VERIFICATION_ARGS) as VerificationArg[];

/**
 * A workbench's child resources and transform. Resources and a function cannot cross languages:
 * TypeScript reads them through getters, which the component provider's schema inference (it
 * takes every property as an output) leaves out.
 */
const children = new WeakMap<
  EbpfWorkbench,
  { workload?: EbpfWorkload; verification?: TcpConnectVerification; sidecarTransform?: pulumi.ResourceTransform }
>();

/**
 * The eBPF workbench in one line: the image (built and pushed, or an existing digest), the probe in
 * the chosen placement with least-privilege capabilities, and its verification (the tcp_connect
 * trace for the Deployment; the in-pod self-test when `selfTest` is on).
 */
export class EbpfWorkbench extends pulumi.ComponentResource {
  /** Where the probe runs: deployment, sidecar or node. */
  readonly placement: Placement;
  /** The image the probe runs, by digest. */
  readonly imageRef: pulumi.Output<string>;
  /** Capabilities the probe container adds, each with why. */
  readonly capabilities: CapabilityGrant[];
  /** Warnings a person should read (Pod Security, ACS privileged mode, runtime versions, billing). */
  readonly warnings: string[];

  constructor(name: string, args: EbpfWorkbenchArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before super(): a bad input registers nothing at all.
    const placement = args.placement ?? "deployment";
    const bad = new InputErrorList();
    const errors = bad.errors;
    errors.push(...checkPlacement(placement));
    if ((args.image === undefined) === (args.build === undefined)) {
      errors.push(
        new InputError(
          "image",
          args.image,
          "exactly one of image (an existing image by digest) and build (build and push the workbench)",
        ),
      );
    }
    const collect = (f: () => void) => bad.attempt(f);
    // Arguments a typed caller cannot get wrong, but another language or JavaScript can.
    for (const key of ["acs", "applyToStack", "allowImageTag"] as const)
      if (args[key] !== undefined && typeof args[key] !== "boolean") bad.fail(key, args[key], "true or false");
    for (const key of ["kubeconfig", "kubeconfigContext"] as const) {
      const value = args[key];
      if (value !== undefined && !isDeferred(value) && (typeof value !== "string" || value.trim() === ""))
        bad.fail(key, key === "kubeconfig" ? "(set)" : value, "a non-empty string, or an Output of one");
    }
    if (args.image !== undefined && typeof args.image !== "string" && !isDeferred(args.image))
      bad.fail("image", args.image, IMAGE_REFERENCE_FORM);
    if (typeof args.image === "string")
      bad.attempt(() => requirePinnedReference(args.image, "image", args.allowImageTag === true));
    if (
      args.build !== undefined &&
      (typeof args.build !== "object" || args.build === null || Array.isArray(args.build))
    )
      bad.fail(
        "build",
        args.build,
        "{ repository, registry: { server, username, password } } and optional build settings",
      );
    else if (args.build)
      bad.attempt(
        () => planWorkbenchImage({ ...args.build, architecture: args.architecture }),
        (input) => (input === "architecture" ? input : `build.${input}`),
      );
    let capabilities: CapabilityGrant[] = [];
    let warnings: string[] = [];
    // The workload's arguments are the workbench's own, minus what only the workbench knows.
    const {
      placement: _placement,
      image: _image,
      allowImageTag: _allowTag,
      build: _build,
      kubernetesVersion: _version,
      applyToStack: _applyToStack,
      kubeconfig: _kubeconfig,
      kubeconfigContext: _context,
      verifyTarget: _target,
      verifySkipReason: _skipReason,
      verifyReadyTimeoutSeconds: _ready,
      verifyAttachTimeoutSeconds: _attach,
      verifyEventTimeoutSeconds: _event,
      ...shared
    } = args;
    const workloadArgs = {
      ...shared,
      namespace: args.namespace ?? "ebpf-workbench",
      workloadName: args.workloadName ?? name,
      mode: args.mode ?? defaultProbeMode(placement),
      selfTest: args.selfTest ?? true,
    } as const;
    const sidecarOptions = {
      image: args.image ?? "(built by this component)",
      kubernetesVersion: args.kubernetesVersion as string,
      mode: args.mode,
      selfTest: args.selfTest,
      cpu: args.cpu,
      memory: args.memory,
      probeKinds: args.probeKinds,
      kernel: args.kernel,
      architecture: args.architecture,
      seccompProfile: args.seccompProfile,
    };
    if (placement === "sidecar") {
      // The probe options the sidecar does not use (core/options.ts), and the workbench's own.
      const notForSidecar = [
        ...optionsNotFor("sidecar", args),
        ...(["workloadName", "imagePullSecrets", "registryCredentials", ...VERIFICATION_ARG_NAMES] as const).filter(
          (k) => args[k] !== undefined,
        ),
      ];
      // Credentials are never echoed in a message.
      const shown = (k: (typeof notForSidecar)[number]) =>
        k === "kubeconfig" || k === "registryCredentials" ? "(set)" : args[k as keyof EbpfWorkbenchArgs];
      for (const k of notForSidecar)
        errors.push(
          new InputError(
            k,
            shown(k),
            "unset with placement sidecar",
            "the probe joins your application's pods: their namespace, replicas and labels are the application's",
          ),
        );
      collect(() => {
        const s = resolveSidecarOptions(sidecarOptions);
        capabilities = s.plan.add;
        warnings = s.plan.warnings;
      });
    } else if (placement === "deployment" || placement === "node") {
      collect(() => {
        const w = validateEbpfWorkloadArgs(name, { ...workloadArgs, placement });
        capabilities = w.plan.add;
        warnings = w.warnings;
      });
      // The image and the pod template come from the workload (not known yet: deferred, like an Output).
      const fromWorkload = new Promise<string>(() => undefined);
      const verificationArgs = verificationArgsOf(args);
      if (placement === "deployment")
        bad.attempt(
          () =>
            validateVerificationArgs({
              namespace: workloadArgs.namespace,
              deployment: workloadArgs.workloadName,
              image: fromWorkload,
              podTemplate: fromWorkload,
              ...verificationArgs,
              // Its own kubeconfig check sees the value only when it is set; the workbench checked its type above.
              kubeconfig: undefined,
            }),
          (input) => VERIFICATION_ARG_NAMES.find((k) => VERIFICATION_ARGS[k] === input) ?? input,
        );
      else {
        for (const key of VERIFICATION_ARG_NAMES.filter((k) => args[k] !== undefined))
          bad.fail(
            key,
            key === "kubeconfig" ? "(set)" : args[key],
            "unset with placement node",
            "the exec verification checks a Deployment; the node placement verifies itself with selfTest (the startupProbe)",
          );
        if (args.minimizeCapabilities === true)
          bad.fail(
            "minimizeCapabilities",
            true,
            "false or unset with placement node",
            "minimization re-runs the exec verification, which checks a Deployment",
          );
      }
    }
    bad.throwIfAny();

    super(COMPONENT_TYPES.workbench, name, {}, opts);
    this.placement = placement;
    this.capabilities = capabilities;
    this.warnings = warnings;
    this.imageRef = args.build
      ? new WorkbenchImage(`${name}-image`, { ...args.build, architecture: args.architecture }, { parent: this })
          .imageRef
      : pulumi.output(args.image as pulumi.Input<string>);

    if (placement === "sidecar") {
      const sidecarTransform = ebpfSidecarTransform({ ...sidecarOptions, image: this.imageRef });
      children.set(this, { sidecarTransform });
      if (isComponentProvider()) pulumi.log.warn(CROSS_LANGUAGE_SIDECAR_NOTE, this);
      if (args.applyToStack) pulumi.runtime.registerResourceTransform(sidecarTransform);
    } else {
      const workload = new EbpfWorkload(name, { ...workloadArgs, placement, image: this.imageRef }, { parent: this });
      children.set(this, { workload });
      if (placement === "deployment" && isComponentProvider()) {
        pulumi.log.warn(CROSS_LANGUAGE_VERIFICATION_NOTE, this);
      } else if (placement === "deployment") {
        children.get(this)!.verification = new TcpConnectVerification(
          `${name}-tcp-connect`,
          {
            namespace: workload.namespace,
            deployment: workload.deploymentName,
            image: workload.image,
            podTemplate: workload.podTemplate,
            selector: workload.selector,
            ...verificationArgsOf(args),
            kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
            probeKinds: workload.resolved.plan.probeKinds,
            minimizeCapabilities: args.minimizeCapabilities,
          },
          { parent: this, dependsOn: [workload] },
        );
      }
    }
    this.registerOutputs({ placement, imageRef: this.imageRef, capabilities, warnings });
  }

  /** The workbench Deployment or node DaemonSet (not for the sidecar placement). */
  get workload(): EbpfWorkload | undefined {
    return children.get(this)?.workload;
  }

  /** The tcp_connect verification of the Deployment (deployment placement; not in the component provider: CROSS_LANGUAGE_VERIFICATION_NOTE). */
  get verification(): TcpConnectVerification | undefined {
    return children.get(this)?.verification;
  }

  /** Sidecar placement: apply to your workloads (`transforms: [t]`); it changes only those labelled acs-ebpf.io/ebpf-sidecar=enabled. */
  get sidecarTransform(): pulumi.ResourceTransform | undefined {
    return children.get(this)?.sidecarTransform;
  }
}

/** The verification's own arguments, renamed from the workbench's (verifyTarget → target, …); unset ones left out. */
function verificationArgsOf(args: EbpfWorkbenchArgs): Partial<TcpConnectVerificationArgs> {
  return Object.fromEntries(
    VERIFICATION_ARG_NAMES.filter((k) => args[k] !== undefined).map((k) => [VERIFICATION_ARGS[k], args[k]]),
  );
}
