import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, VERIFICATION_CHECK } from "../core/workload";
import { InputErrors } from "../core/errors";
import { verificationArgErrors } from "../verification/verificationArgs";
import { tcpConnectVerificationProvider, SECRET_OUTPUTS, VerificationInputs } from "../verification/provider";
import type { EbpfWorkload } from "./ebpfWorkload";

/**
 * Arguments of the tcp_connect fentry verification. Without `kubeconfig` nothing is checked and
 * the outputs say so (`skipped`, `skipReason`): `render`, previews and stacks without a cluster.
 *
 * Cross-language consumers (a Python/Go/C#/YAML stack using this package as a component) cannot use
 * it: it is a Pulumi dynamic provider, and dynamic providers only work in Node.js programs
 * (pulumi/pulumi#5455). There, run `npm run verify` after `pulumi up` instead.
 */
export interface TcpConnectVerificationArgs {
  /** Namespace of the workload. */
  namespace: pulumi.Input<string>;
  /** Name of the Deployment whose pod is checked. */
  deployment: pulumi.Input<string>;
  /** kubeconfig content of the cluster (the Kubernetes provider's); kept secret. Unset → the check is skipped. */
  kubeconfig?: pulumi.Input<string>;
  /** Why the check is skipped when `kubeconfig` is unset (shown in the outputs and as a warning). */
  skipReason?: string;
  /** kubeconfig context; default its current-context. */
  context?: pulumi.Input<string>;
  /** The deployed image (by digest). A change re-runs the check. */
  image: pulumi.Input<string>;
  /** The Deployment's pod template. A change re-runs the check (it is hashed, not stored). */
  podTemplate: pulumi.Input<unknown>;
  /** Labels selecting the pods (the Deployment's matchLabels); default: read from the Deployment. */
  selector?: pulumi.Input<Record<string, string>>;
  /** Container to exec into; default the pod's first container. */
  container?: pulumi.Input<string>;
  /** `host:port` the pod connects to; default an IPv4 loopback port (needs no network). IPv4 only. */
  target?: pulumi.Input<string>;
  /** Probe kinds for the least-privilege audit (default ["fentry"]). */
  probeKinds?: pulumi.Input<string[]>;
  /** Re-run the trace once per effective capability with it removed (needs CAP_SETPCAP in the pod; off by default). */
  minimizeCapabilities?: pulumi.Input<boolean>;
  /** How long to wait for a Ready pod (default 300). */
  readyTimeoutSeconds?: pulumi.Input<number>;
  /** How long the tracer may take to attach (default 30). */
  attachTimeoutSeconds?: pulumi.Input<number>;
  /** How long to wait for the connection's event (default 15). */
  eventTimeoutSeconds?: pulumi.Input<number>;
  /** Tracer path in the image (default /usr/local/bin/fentry-tcp-connect). */
  tracerPath?: pulumi.Input<string>;
}

/** The arguments that point the check at an EbpfWorkload's Deployment and pods. */
export function workloadUnderTest(
  workload: EbpfWorkload,
): Pick<TcpConnectVerificationArgs, "namespace" | "deployment" | "image" | "podTemplate" | "selector"> {
  return {
    namespace: workload.namespace,
    deployment: workload.deploymentName,
    image: workload.image,
    podTemplate: workload.podTemplate,
    selector: workload.selector,
  };
}

/** sha256 of a JSON value with sorted keys (stable across runs). */
export function stableHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") {
      return Object.keys(v as Record<string, unknown>)
        .sort()
        .reduce<Record<string, unknown>>((acc, k) => {
          const x = (v as Record<string, unknown>)[k];
          if (x !== undefined) acc[k] = canonical(x);
          return acc;
        }, {});
    }
    return v;
  };
  return crypto
    .createHash("sha256")
    .update(JSON.stringify(canonical(value ?? null)))
    .digest("hex");
}

function selectorString(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

/**
 * Checks the arguments that are plain values (Inputs resolved later are checked by the provider):
 * a bad value fails with the argument's name, the value and what is accepted.
 */
export function validateVerificationArgs(args: TcpConnectVerificationArgs): void {
  const errors = verificationArgErrors(args);
  if (errors.length > 0) throw new InputErrors(errors);
}

/** Outputs the provider returns (declared so the engine fills them in). */
const EVIDENCE_OUTPUTS = [
  "verified",
  "pod",
  "kernel",
  "architecture",
  "effectiveCapabilities",
  "excessCapabilities",
  "matchedEvent",
  "sampleEvents",
  "timings",
  "minimization",
  "warnings",
] as const;

/** The dynamic resource; `check: "tcp_connect-fentry"` marks it for the policy pack. */
class TcpConnectCheck extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    inputs: Record<string, pulumi.Input<unknown> | undefined>,
    opts: pulumi.CustomResourceOptions,
  ) {
    const props: Record<string, pulumi.Input<unknown> | undefined> = { ...inputs };
    for (const k of EVIDENCE_OUTPUTS) props[k] = undefined;
    super(tcpConnectVerificationProvider, name, props, { ...opts, additionalSecretOutputs: SECRET_OUTPUTS });
  }
}

const seconds = (v: pulumi.Input<number> | undefined) =>
  v === undefined ? undefined : pulumi.output(v).apply((s) => Math.round(s * 1000));

/**
 * Proves that eBPF works in the deployed pod: runs the prebuilt cilium/ebpf fentry tcp_connect
 * trace in it during `pulumi up` and fails the update with an actionable diagnosis when it does
 * not. Outputs the evidence: kernel, architecture, effective and excess capabilities, the
 * matched event, sample events and timings.
 */
export class TcpConnectVerification extends pulumi.ComponentResource {
  readonly skipped: pulumi.Output<boolean>;
  readonly skipReason: pulumi.Output<string | undefined>;
  readonly verified: pulumi.Output<boolean>;
  readonly pod: pulumi.Output<string | undefined>;
  readonly kernel: pulumi.Output<string | undefined>;
  readonly architecture: pulumi.Output<string | undefined>;
  readonly effectiveCapabilities: pulumi.Output<string[]>;
  readonly excessCapabilities: pulumi.Output<string[]>;
  readonly matchedEvent: pulumi.Output<unknown>;
  readonly sampleEvents: pulumi.Output<unknown[]>;
  readonly timings: pulumi.Output<unknown>;
  readonly minimization: pulumi.Output<unknown>;
  readonly warnings: pulumi.Output<string[]>;
  /** The dynamic resource, when the check runs. */
  readonly resource?: pulumi.dynamic.Resource;

  constructor(name: string, args: TcpConnectVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate what is already known before registering anything.
    validateVerificationArgs(args);
    super(COMPONENT_TYPES.verification, name, {}, opts);

    if (args.kubeconfig === undefined) {
      const reason = args.skipReason ?? "no kubeconfig given: the tcp_connect fentry verification needs a cluster";
      pulumi.log.warn(`verification skipped: ${reason}`, this);
      this.skipped = pulumi.output(true);
      this.skipReason = pulumi.output(reason);
      this.verified = pulumi.output(false);
      this.pod = this.kernel = this.architecture = pulumi.output(undefined);
      this.effectiveCapabilities = this.excessCapabilities = this.warnings = pulumi.output([]);
      this.matchedEvent = this.timings = this.minimization = pulumi.output(undefined);
      this.sampleEvents = pulumi.output([]);
    } else {
      const inputs: Record<keyof VerificationInputs, pulumi.Input<unknown> | undefined> = {
        check: VERIFICATION_CHECK,
        namespace: args.namespace,
        deployment: args.deployment,
        kubeconfig: pulumi.secret(args.kubeconfig),
        context: args.context,
        image: args.image,
        podTemplateHash: pulumi.output(args.podTemplate as pulumi.Input<Record<string, unknown>>).apply(stableHash),
        labelSelector: args.selector === undefined ? undefined : pulumi.output(args.selector).apply(selectorString),
        container: args.container,
        target: args.target,
        tracerPath: args.tracerPath,
        probeKinds: args.probeKinds,
        minimizeCapabilities: args.minimizeCapabilities,
        readyTimeoutMs: seconds(args.readyTimeoutSeconds),
        attachTimeoutMs: seconds(args.attachTimeoutSeconds),
        eventTimeoutMs: seconds(args.eventTimeoutSeconds),
      };
      const resource = new TcpConnectCheck(`${name}-check`, inputs, { parent: this });
      this.resource = resource;
      const out = <T>(key: string) => (resource as unknown as Record<string, pulumi.Output<T>>)[key];
      this.skipped = pulumi.output(false);
      this.skipReason = pulumi.output(undefined);
      this.verified = out<boolean>("verified");
      this.pod = out<string>("pod");
      this.kernel = out<string>("kernel");
      this.architecture = out<string>("architecture");
      this.effectiveCapabilities = out<string[]>("effectiveCapabilities");
      this.excessCapabilities = out<string[]>("excessCapabilities");
      this.matchedEvent = out<unknown>("matchedEvent");
      this.sampleEvents = out<unknown[]>("sampleEvents");
      this.timings = out<unknown>("timings");
      this.minimization = out<unknown>("minimization");
      this.warnings = out<string[]>("warnings");
    }

    this.registerOutputs({
      skipped: this.skipped,
      skipReason: this.skipReason,
      verified: this.verified,
      pod: this.pod,
      kernel: this.kernel,
      architecture: this.architecture,
      effectiveCapabilities: this.effectiveCapabilities,
      excessCapabilities: this.excessCapabilities,
      matchedEvent: this.matchedEvent,
      sampleEvents: this.sampleEvents,
      timings: this.timings,
      minimization: this.minimization,
      warnings: this.warnings,
    });
  }
}
