import * as pulumi from "@pulumi/pulumi";
import {
  SidecarKind,
  SidecarOptions,
  SidecarReport,
  ebpfSidecarWorkload,
  resolveSidecarOptions,
} from "../core/sidecar";

export {
  SIDECAR_OPT_IN_LABEL,
  SIDECAR_OPT_IN_VALUE,
  SIDECAR_KINDS,
  addEbpfSidecar,
  planEbpfSidecar,
} from "../core/sidecar";
export type { SidecarOptions, SidecarReport } from "../core/sidecar";

/** The Pulumi Kubernetes resource types the transform applies to, by kind. */
export const SIDECAR_RESOURCE_TYPES: Readonly<Record<string, SidecarKind>> = {
  "kubernetes:apps/v1:Deployment": "Deployment",
  "kubernetes:apps/v1:StatefulSet": "StatefulSet",
  "kubernetes:batch/v1:Job": "Job",
  "kubernetes:batch/v1:CronJob": "CronJob",
};

/** The workload the transform changed, with what it now costs and needs. */
export interface SidecarApplied {
  type: string;
  name: string;
  kind: SidecarKind;
  report: SidecarReport;
}

export interface EbpfSidecarTransformOptions extends SidecarOptions {
  /** Receives each changed workload's report; default: a Pulumi warning (billing change, namespace needs). */
  onApplied?: (applied: SidecarApplied) => void;
}

/** The default report: shown to the person running `pulumi up`. */
export function describeSidecarApplied(a: SidecarApplied): string {
  const how =
    a.report.style === "native"
      ? "a native sidecar (init container, restartPolicy Always)"
      : "a container with __IS_SIDECAR__=true";
  return [
    `${a.kind} ${a.name}: eBPF probe ${a.report.probeContainer} added as ${how}. ${a.report.billingChange}.`,
    ...a.report.namespaceNeeds,
    ...a.report.warnings,
  ].join(" ");
}

/**
 * A Pulumi resource transform that adds the eBPF probe (addEbpfSidecar) to every Deployment,
 * StatefulSet, Job and CronJob labelled `acs-ebpf.io/ebpf-sidecar: enabled`; every other resource
 * passes unchanged. Use it per resource (`transforms: [t]`) or for the whole stack
 * (`pulumi.runtime.registerResourceTransform(t)`, before the workloads are declared).
 * The options are validated here, when the transform is made, not per resource.
 */
export function ebpfSidecarTransform(options: EbpfSidecarTransformOptions): pulumi.ResourceTransform {
  const resolved = resolveSidecarOptions(options);
  const onApplied = options.onApplied ?? ((a: SidecarApplied) => pulumi.log.warn(describeSidecarApplied(a)));
  return (args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined => {
    const kind = SIDECAR_RESOURCE_TYPES[args.type];
    if (!args.custom || !kind) return undefined;
    const changed = ebpfSidecarWorkload({ ...(args.props as Record<string, unknown>), kind }, resolved);
    if (!changed) return undefined;
    onApplied({ type: args.type, name: args.name, kind, report: changed.report });
    return { props: changed.object, opts: args.opts };
  };
}
