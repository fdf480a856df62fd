import * as pulumi from "@pulumi/pulumi";
import { formatFailure } from "../verification/failures";
import { createKubernetesTransport } from "../verification/kubernetesTransport";
import { diagnoseRollout } from "../verification/selfTestEvents";

/** Hooks are registered by name: one per call, numbered in the order of the program (stable across runs). */
let hooks = 0;

/** The workload kinds whose rollout the Kubernetes provider awaits and the self-test can hold back. */
const WORKLOAD_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:StatefulSet",
];

/**
 * A transform for a component (EbpfSidecarWorkload, EbpfWorkload, EbpfWorkbench) or a stack whose
 * probe runs the self-test as its startupProbe: when the rollout of a Deployment, DaemonSet or
 * StatefulSet fails, an error hook reads the pods' events and reports the self-test's classified
 * failure (e.g. `[operation-not-permitted]` with what to do and the tracer's stderr). The
 * Kubernetes provider's own error says only that the pods did not become Ready.
 *
 *     new EbpfSidecarWorkload("shop", args, { transforms: [selfTestDiagnosis(kubeconfig)] });
 *
 * `kubeconfig` is the cluster's (a secret; it is used to read pods and events, never logged).
 */
export function selfTestDiagnosis(kubeconfig: pulumi.Input<string>, context?: string): pulumi.ResourceTransform {
  const content = new Promise<string>((resolve) => pulumi.output(kubeconfig).apply((k) => resolve(k)));
  const hook = new pulumi.ErrorHook(`acs-ebpf-selftest-diagnosis-${hooks++}`, async (args) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the workload's inputs as plain values
    const inputs = args.newInputs as any;
    const namespace = inputs?.metadata?.namespace;
    const labels = inputs?.spec?.selector?.matchLabels;
    if (typeof namespace !== "string" || !labels) return false;
    const transport = createKubernetesTransport(await content, context ? { context } : {});
    const { failure, note } = await diagnoseRollout(transport, namespace, labels);
    if (failure) pulumi.log.error(`${args.name}: the rollout is not Ready: ${formatFailure(failure)}`);
    else if (note) pulumi.log.warn(`${args.name}: ${note}`);
    return false;
  });
  return (args) => {
    if (!WORKLOAD_TYPES.includes(args.type)) return undefined;
    const onError = [...(args.opts.hooks?.onError ?? []), hook];
    return { props: args.props, opts: { ...args.opts, hooks: { ...args.opts.hooks, onError } } };
  };
}
