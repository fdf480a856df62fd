/**
 * selfTestDiagnosis at its seams: the transform gives only workload resources an error hook (and
 * keeps the hooks they had), and the hook, called as the engine calls it after a failed rollout,
 * reads the not-Ready pods and their events through the check's transport (a stand-in here, built
 * from the kubeconfig the hook was given) and logs the self-test's classified failure. The real
 * engine, API server and kubelet run it in `npm run cluster`'s sidecar-placement scenario.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../support/pulumiMocks";
installMocks();

import type { PodSummary, VerificationTransport } from "../../verification/transport";

const NS = "shop-ns";
const LABELS = { app: "shop" };
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# the cluster's kubeconfig\n";
const UNHEALTHY = [
  "Warning Unhealthy: Startup probe failed: acs-ebpf-selftest: FAILED [operation-not-permitted] the tracer exited (code 1) before attaching",
  "Tracer stderr (last lines):",
  "  failed to set memlock rlimit: operation not permitted",
].join("\n");

const pod = (name: string, ready: boolean): PodSummary => ({
  name,
  phase: ready ? "Running" : "Pending",
  ready,
  containers: ["app"],
  status: ready ? [] : ["container app waiting: PodInitializing"],
  deleting: false,
});
/** What the hook asked the API server for. */
const asked: string[] = [];
const transport: VerificationTransport = {
  deploymentSelector: async () => "",
  listPods: async (ns, selector) => {
    asked.push(`list pods ${ns} ${selector}`);
    return [pod("shop-old", true), pod("shop-new", false)];
  },
  podEvents: async (ns, name) => {
    asked.push(`events ${ns} ${name}`);
    return name === "shop-new" ? ["Normal Pulled: image pulled", UNHEALTHY] : ["Warning Unhealthy: old"];
  },
  exec: async () => {
    throw new Error("a diagnosis never execs");
  },
};
const connections: unknown[][] = [];
jest.mock("../../verification/kubernetesTransport", () => ({
  createKubernetesTransport: (...args: unknown[]) => {
    connections.push(args);
    return transport;
  },
}));

import { selfTestDiagnosis } from "../../components/selfTestDiagnosis";

/** The transform and its hook; the hook's registration needs an engine, which mocks are not. */
function transformWithHook(): { transform: pulumi.ResourceTransform } {
  const transform = selfTestDiagnosis(pulumi.secret(KUBECONFIG), "admin@acs");
  return { transform };
}

function transformArgs(type: string, opts: pulumi.CustomResourceOptions = {}): pulumi.ResourceTransformArgs {
  return {
    custom: true,
    type,
    name: "shop",
    props: { metadata: { namespace: NS }, spec: { selector: { matchLabels: LABELS } } },
    opts,
  };
}

async function hookOf(transform: pulumi.ResourceTransform, opts: pulumi.CustomResourceOptions = {}) {
  const result = await transform(transformArgs("kubernetes:apps/v1:Deployment", opts));
  const hooks = result!.opts.hooks!.onError!;
  const hook = hooks[hooks.length - 1] as pulumi.ErrorHook;
  // Registration goes to the engine's callback server; under mocks it is refused, which is not under test.
  (hook as unknown as { __registered: Promise<unknown> }).__registered.catch(() => undefined);
  return { hooks, hook };
}

test("only a Deployment, DaemonSet or StatefulSet gets the hook, after the hooks it had", async () => {
  const { transform } = transformWithHook();
  expect(await transform(transformArgs("kubernetes:core/v1:Namespace"))).toBeUndefined();
  expect(await transform(transformArgs("kubernetes:core/v1:Secret"))).toBeUndefined();
  const earlier = { name: "earlier" } as unknown as pulumi.ErrorHook;
  const { hooks, hook } = await hookOf(transform, { hooks: { onError: [earlier] }, protect: true });
  expect(hooks).toHaveLength(2);
  expect(hooks[0]).toBe(earlier);
  expect(hook.name).toMatch(/^acs-ebpf-selftest-diagnosis-\d+$/);
  for (const type of ["kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:StatefulSet"])
    expect((await transform(transformArgs(type)))!.opts.hooks!.onError).toHaveLength(1);
});

test("after a failed rollout the hook logs the self-test's classified failure of the pod that is not Ready", async () => {
  const { hook } = await hookOf(transformWithHook().transform);
  const errors = jest.spyOn(pulumi.log, "error").mockImplementation(async () => undefined);
  try {
    const retry = await hook.callback({
      urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::shop",
      id: "",
      name: "shop",
      type: "kubernetes:apps/v1:Deployment",
      newInputs: { metadata: { namespace: NS }, spec: { selector: { matchLabels: LABELS } } },
      oldInputs: {},
      newOutputs: {},
      oldOutputs: {},
      failedOperation: "create",
      errors: ["containers with incomplete status: [ebpf-probe][PodInitializing]"],
    } as unknown as pulumi.ErrorHookArgs);
    expect(retry).toBe(false);
    expect(errors).toHaveBeenCalledTimes(1);
    const message = String(errors.mock.calls[0][0]);
    expect(message).toMatch(/^shop: the rollout is not Ready: .*\[operation-not-permitted\]/);
    expect(message).toContain(`in pod ${NS}/shop-new`);
    expect(message).toContain("failed to set memlock rlimit: operation not permitted");
    expect(connections).toEqual([[KUBECONFIG, { context: "admin@acs" }]]);
    expect(asked).toEqual([`list pods ${NS} app=shop`, `events ${NS} shop-new`]);
  } finally {
    errors.mockRestore();
  }
});

test("a resource without a namespace or selector is left to the provider's error", async () => {
  const { hook } = await hookOf(transformWithHook().transform);
  const errors = jest.spyOn(pulumi.log, "error").mockImplementation(async () => undefined);
  try {
    const retry = await hook.callback({ name: "x", type: "kubernetes:apps/v1:Deployment", newInputs: {} } as never);
    expect(retry).toBe(false);
    expect(errors).not.toHaveBeenCalled();
  } finally {
    errors.mockRestore();
  }
});
