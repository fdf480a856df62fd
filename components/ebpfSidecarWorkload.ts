import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ProbeKind, SeccompProfile } from "../core/capabilities";
import { checkDeploymentInputs } from "../core/workloadOptions";
import { InputError, InputErrorList, InputErrors } from "../core/errors";
import type { Architecture } from "../core/kernel";
import type { SidecarStyle } from "../core/placement";
import type { ProbeMode } from "../core/probeContainer";
import {
  SIDECAR_OPT_IN_LABEL,
  SIDECAR_OPT_IN_VALUE,
  ebpfSidecarWorkload,
  resolveSidecarOptions,
} from "../core/sidecar";
import { SIDECAR_RESOURCE_TYPES, SidecarApplied, describeSidecarApplied } from "./ebpfSidecar";

/**
 * Arguments of an application workload with the eBPF probe as a sidecar: the sidecar placement for
 * programs in any language (TypeScript programs can also use `ebpfSidecarTransform`).
 */
export interface EbpfSidecarWorkloadArgs {
  /**
   * The application's Deployment, StatefulSet, Job or CronJob as a Kubernetes object (apiVersion,
   * kind, metadata, spec), labelled `acs-ebpf.io/ebpf-sidecar: enabled`; declared with the probe added.
   */
  workload: { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- the schema's Any: a Kubernetes object of four kinds
  /** The workbench image (by digest, e.g. a WorkbenchImage's `imageRef`). */
  image: pulumi.Input<string>;
  /** The cluster's Kubernetes version: native sidecar from 1.29, else `__IS_SIDECAR__=true`. */
  kubernetesVersion: string;
  /**
   * What the probe container runs, one of: workbench, monitor: workbench, a shell to `kubectl exec` into; monitor, the
   * trace as the container's process with its events on stdout. Default monitor.
   */
  mode?: ProbeMode;
  /**
   * Run /usr/local/bin/ebpf-selftest as the probe's startupProbe, so the rollout fails when eBPF does not work in the
   * pod. Default true; a native sidecar's failing startupProbe also holds back the application.
   */
  selfTest?: boolean;
  /**
   * CPU request and limit of the probe container (Kubernetes quantity); ACS rounds up to 0.25, 0.5, then 0.5-vCPU steps
   * to 16. Default 250m.
   */
  cpu?: string;
  /**
   * Memory request and limit of the probe container (Kubernetes quantity); ACS bills 1 GiB steps between ceil(vCPU) and
   * 8 x vCPU. Default 256Mi.
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
  /** Seccomp profile of the probe container, one of: RuntimeDefault, Unconfined. Default RuntimeDefault. */
  seccompProfile?: SeccompProfile;
  /** Name of the probe container (default ebpf-probe). */
  containerName?: string;
}

const KIND_CLASSES = {
  Deployment: k8s.apps.v1.Deployment,
  StatefulSet: k8s.apps.v1.StatefulSet,
  Job: k8s.batch.v1.Job,
  CronJob: k8s.batch.v1.CronJob,
} as const;

/** The declared workload of each component (a resource cannot cross languages: read through a getter). */
const resources = new WeakMap<EbpfSidecarWorkload, pulumi.CustomResource>();

/**
 * The application's workload with the eBPF probe in its pods: exactly what `ebpfSidecarTransform`
 * makes of it (one function, core/sidecar), declared as a child resource named like the component.
 */
export class EbpfSidecarWorkload extends pulumi.ComponentResource {
  /** native (an init container with restartPolicy Always, Kubernetes ≥ 1.29) or acs-env (`__IS_SIDECAR__=true`). */
  readonly style: SidecarStyle;
  /** Name of the probe container added to the pods. */
  readonly probeContainer: string;
  /** What the probe changes on the ACS bill, e.g. `ACS pod size 1 vCPU / 2 GiB → 1.5 vCPU / 3 GiB`. */
  readonly billingChange: string;
  /** What the application's namespace and the ACS account now need (Pod Security level, privileged mode). */
  readonly namespaceNeeds: string[];
  /** Warnings a person should read (runtime versions, kernels). */
  readonly warnings: string[];

  constructor(name: string, args: EbpfSidecarWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super(): a bad input registers nothing.
    const { workload, ...options } = args ?? ({} as EbpfSidecarWorkloadArgs);
    const bad = new InputErrorList();
    bad.errors.push(...checkDeploymentInputs({ image: options.image }));
    const resolved = bad.attempt(() => resolveSidecarOptions(options));
    bad.throwIfAny();
    const kind = typeof workload === "object" && workload !== null ? String(workload.kind) : undefined;
    const accepted = `a Deployment, StatefulSet, Job or CronJob object labelled ${SIDECAR_OPT_IN_LABEL}: ${SIDECAR_OPT_IN_VALUE}`;
    if (!kind || !(kind in KIND_CLASSES)) throw new InputErrors([new InputError("workload.kind", kind, accepted)]);
    const changed = ebpfSidecarWorkload(workload, resolved!);
    if (!changed)
      throw new InputErrors([
        new InputError(
          `workload.metadata.labels["${SIDECAR_OPT_IN_LABEL}"]`,
          workload.metadata?.labels?.[SIDECAR_OPT_IN_LABEL],
          `"${SIDECAR_OPT_IN_VALUE}" (${accepted})`,
        ),
      ]);

    super("acs-ebpf:index:EbpfSidecarWorkload", name, {}, opts);
    const { report } = changed;
    const type = Object.keys(SIDECAR_RESOURCE_TYPES).find((t) => SIDECAR_RESOURCE_TYPES[t] === kind)!;
    const applied: SidecarApplied = { type, name, kind: kind as SidecarApplied["kind"], report };
    pulumi.log.warn(describeSidecarApplied(applied), this);
    const Kind = KIND_CLASSES[kind as keyof typeof KIND_CLASSES] as new (
      n: string,
      a: object,
      o: pulumi.CustomResourceOptions,
    ) => pulumi.CustomResource;
    resources.set(this, new Kind(name, changed.object, { parent: this }));
    this.style = report.style;
    this.probeContainer = report.probeContainer;
    this.billingChange = report.billingChange;
    this.namespaceNeeds = report.namespaceNeeds;
    this.warnings = report.warnings;
    this.registerOutputs({
      style: this.style,
      probeContainer: this.probeContainer,
      billingChange: this.billingChange,
      namespaceNeeds: this.namespaceNeeds,
      warnings: this.warnings,
    });
  }

  /** The application's workload resource, with the probe. */
  get resource(): pulumi.CustomResource {
    return resources.get(this)!;
  }
}
