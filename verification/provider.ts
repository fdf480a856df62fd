/**
 * The Pulumi dynamic provider that runs the tcp_connect fentry check during `pulumi up`.
 *
 * Serialization rules (docs/design.md#pulumi-facts): Pulumi serializes this provider object with everything its
 * methods capture. So: no classes and no clients are captured; @kubernetes/client-node is
 * `require()`d inside the transport function at run time; the pure modules it uses (check,
 * failures, traceOutput, core/capabilities, core/kernel) are plain functions and constants.
 *
 *   create  runs the check; a failure fails `pulumi up` with the classified, actionable message
 *   diff    re-runs (update) only when the image, the pod template, the namespace or the Deployment
 *           changed; other inputs (timeouts, target, kubeconfig) do not re-run a passed check
 *   update  runs the check again
 *   read    returns the recorded evidence as is (a point-in-time proof; refresh does not re-run it)
 *   delete  nothing to delete (the check leaves nothing in the cluster)
 *
 * The kubeconfig arrives in plaintext (dynamic providers get secrets decrypted): it is never put
 * in the outputs, and the resource also lists it in additionalSecretOutputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { VERIFICATION_CHECK } from "../core/workload";
import { runCheck, CheckResult } from "./check";
import type { CheckOptions } from "./checkOptions";
import { failureError } from "./failures";
import { createKubernetesTransport } from "./kubernetesTransport";

/** Inputs of the dynamic resource (plain values, as the provider receives them). */
export interface VerificationInputs {
  /** Always VERIFICATION_CHECK: the policy pack finds the resource by it. */
  check: typeof VERIFICATION_CHECK;
  namespace: string;
  deployment: string;
  /** kubeconfig content (secret). */
  kubeconfig: string;
  /** kubeconfig context; default current-context. */
  context?: string;
  /** The deployed image (by digest): a change re-runs the check. */
  image: string;
  /** sha256 of the pod template: a change re-runs the check. */
  podTemplateHash: string;
  labelSelector?: string;
  container?: string;
  target?: string;
  tracerPath?: string;
  probeKinds?: string[];
  minimizeCapabilities?: boolean;
  readyTimeoutMs?: number;
  attachTimeoutMs?: number;
  eventTimeoutMs?: number;
}

/** Inputs whose change re-runs the check. */
export const RERUN_INPUTS = ["check", "image", "podTemplateHash", "namespace", "deployment"] as const;

/** Outputs that must stay secret if they ever appear. */
export const SECRET_OUTPUTS = ["kubeconfig"];

/** The pure diff: old outputs vs new inputs. */
export function verificationDiff(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): pulumi.dynamic.DiffResult {
  const changed = RERUN_INPUTS.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** Check options from the resource inputs. */
function checkOptionsFromInputs(inputs: VerificationInputs): CheckOptions {
  const options: CheckOptions = { namespace: inputs.namespace, deployment: inputs.deployment };
  if (inputs.labelSelector) options.labelSelector = inputs.labelSelector;
  if (inputs.container) options.container = inputs.container;
  if (inputs.target) options.target = inputs.target;
  if (inputs.tracerPath) options.tracerPath = inputs.tracerPath;
  if (inputs.probeKinds) options.probeKinds = inputs.probeKinds as CheckOptions["probeKinds"];
  if (inputs.minimizeCapabilities) options.minimizeCapabilities = true;
  if (inputs.readyTimeoutMs) options.readyTimeoutMs = inputs.readyTimeoutMs;
  if (inputs.attachTimeoutMs) options.attachTimeoutMs = inputs.attachTimeoutMs;
  if (inputs.eventTimeoutMs) options.eventTimeoutMs = inputs.eventTimeoutMs;
  return options;
}

/** The outputs: every input except the kubeconfig, plus the evidence. JSON only (no undefined). */
function verificationOutputs(
  inputs: VerificationInputs,
  result: CheckResult,
  checkedAt: string,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (k !== "kubeconfig" && k !== "__provider" && v !== undefined) copy[k] = v;
  }
  return JSON.parse(
    JSON.stringify({
      ...copy,
      verified: result.verified,
      pod: result.pod,
      container: result.container,
      kernel: result.kernel,
      architecture: result.architecture,
      btf: result.btf,
      effectiveCapabilities: result.effectiveCapabilities,
      requiredCapabilities: result.requiredCapabilities,
      excessCapabilities: result.excessCapabilities,
      target: result.target,
      matchedEvent: result.matchedEvent,
      sampleEvents: result.sampleEvents,
      timings: result.timings,
      tracerStop: result.tracerStop,
      warnings: result.warnings,
      minimization: result.minimization,
      checkedAt,
    }),
  );
}

/** Runs the check against the cluster in the inputs; throws the classified failure. */
async function verifyFromInputs(inputs: VerificationInputs): Promise<Record<string, unknown>> {
  if (inputs.check !== VERIFICATION_CHECK) {
    throw new Error(`check: ${JSON.stringify(inputs.check)} is not accepted; expected "${VERIFICATION_CHECK}"`);
  }
  if (typeof inputs.kubeconfig !== "string" || inputs.kubeconfig.trim() === "") {
    throw new Error("kubeconfig: (not set) is not accepted; expected the kubeconfig content of the cluster (a secret)");
  }
  const transport = createKubernetesTransport(inputs.kubeconfig, inputs.context ? { context: inputs.context } : {});
  const result = await runCheck(transport, checkOptionsFromInputs(inputs));
  if (!result.verified) {
    if (result.failure) throw failureError(result.failure);
    throw new Error("tcp_connect fentry verification failed without a classified reason");
  }
  return verificationOutputs(inputs, result, new Date().toISOString());
}

/** The provider object. Its methods capture only the plain functions above. */
export const tcpConnectVerificationProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: VerificationInputs) {
    const outs = await verifyFromInputs(inputs);
    return { id: `${inputs.namespace}/${inputs.deployment}/${VERIFICATION_CHECK}`, outs };
  },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return verificationDiff(olds, news);
  },
  async update(_id: string, _olds: Record<string, unknown>, news: VerificationInputs) {
    return { outs: await verifyFromInputs(news) };
  },
  async read(id: string, props?: Record<string, unknown>) {
    return { id, props: props ?? {} };
  },
  async delete() {
    // The check leaves nothing behind in the cluster: the tracer runs under `timeout`.
  },
};
