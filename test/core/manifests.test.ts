import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { WorkbenchPodOptions, buildWorkloadManifests, pullPolicyFor } from "../../core/manifests";
import { WorkloadOptions, resolveWorkload } from "../../core/workloadOptions";

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@sha256:${"c".repeat(64)}`;

/** Validates with kubernetes-models (ajv validators generated from the Kubernetes OpenAPI schema). */
function validate(object: object): void {
  const kind = (object as { kind: string }).kind;
  const model =
    kind === "Deployment"
      ? new Deployment(object as never)
      : kind === "DaemonSet"
        ? new DaemonSet(object as never)
        : new Namespace(object as never);
  model.validate();
}

const base: WorkloadOptions = { name: "wb", namespace: "ebpf" };

describe("rendered objects validate against the Kubernetes schema", () => {
  test.each<[string, Partial<WorkloadOptions>, WorkbenchPodOptions]>([
    ["defaults", {}, {}],
    [
      "kernel 6.6, performance best-effort",
      { kernel: "6.6.0", computeClass: "performance", computeQos: "best-effort" },
      {},
    ],
    ["tracefs probe kinds", { probeKinds: ["tracepoint", "kprobe-tracefs"] }, {}],
    [
      "every probe kind on arm64 6.6",
      { probeKinds: ["fentry", "kprobe", "tc", "xdp", "raw-socket", "ksym"], architecture: "arm64", kernel: "6.6.0" },
      {},
    ],
    [
      "vendor demo in an existing namespace",
      { capabilityProfile: "vendor-demo", createNamespace: false, cpu: "2", memory: "4Gi" },
      {},
    ],
    ["Unconfined seccomp, 3 replicas", { seccompProfile: "Unconfined", replicas: 3 }, {}],
    ["monitor mode with the self-test startupProbe", {}, { mode: "monitor", selfTest: true }],
    [
      "node placement: a DaemonSet",
      { placement: "node", kernel: "5.10.134-16.3.al8.x86_64" },
      { mode: "monitor", selfTest: true },
    ],
  ])("%s", (_label, options, pod) => {
    const objects = buildWorkloadManifests(
      resolveWorkload({ ...base, ...options }),
      { image: IMAGE, imagePullPolicy: pullPolicyFor(IMAGE), imagePullSecrets: ["acr-pull"] },
      pod,
    );
    expect(objects.length).toBe(options.createNamespace === false ? 1 : 2);
    for (const object of objects) expect(() => validate(object)).not.toThrow();
  });

  test("the validator rejects a malformed Deployment (so the tests above can fail)", () => {
    const [, deployment] = buildWorkloadManifests(resolveWorkload(base), {
      image: IMAGE,
      imagePullPolicy: "IfNotPresent",
    }) as [
      object,
      { spec: { template: { spec: { containers: { securityContext: { capabilities: { add: unknown[] } } }[] } } } },
    ];
    deployment.spec.template.spec.containers[0].securityContext.capabilities.add = [39];
    expect(() => validate(deployment)).toThrow(/capabilities\/add\/0 must be string/);
  });
});

describe("image pull policy", () => {
  test.each([
    [IMAGE, "IfNotPresent"],
    ["registry.cn-hangzhou.aliyuncs.com/team/wb:v1", "Always"],
    ["registry.cn-hangzhou.aliyuncs.com/team/wb@sha256:short", "Always"],
  ])("%s → %s", (image, policy) => expect(pullPolicyFor(image)).toBe(policy));
});
