import * as path from "path";
import { existingObjects, installMocks, registered, settle, valueOf } from "../support/pulumiMocks";
installMocks();

import { EbpfWorkload } from "../../components/ebpfWorkload";
import { InputErrors } from "../../core/errors";
import { readStackConfig, renderConfig, renderedImage } from "../../cli/render";
import { parseStackConfig } from "../../core/stackConfig";
import { PINNED } from "../../images/ebpf-workbench/versions";

const DIGEST_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"a".repeat(64)}`;

type Container = {
  name: string;
  image: string;
  imagePullPolicy: string;
  command: string[];
  securityContext: Record<string, unknown> & { capabilities: { add: string[]; drop?: string[] } };
  volumeMounts?: { mountPath: string; readOnly: boolean }[];
};
type PodSpec = {
  containers: Container[];
  volumes?: { hostPath?: { path: string } }[];
  automountServiceAccountToken: boolean;
  imagePullSecrets?: { name: string }[];
};
type DeploymentInputs = {
  metadata: { name: string; namespace: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
  };
};

async function deploy(name: string, args: ConstructorParameters<typeof EbpfWorkload>[1]) {
  const before = registered.length;
  const workload = new EbpfWorkload(name, args);
  await valueOf(workload.deploymentName);
  await settle();
  const mine = registered.slice(before);
  const deployment = mine.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
  return { workload, mine, deployment: deployment.inputs as unknown as DeploymentInputs };
}

const warnings = jest.spyOn(console, "warn").mockImplementation(() => undefined);

describe("EbpfWorkload under mocks", () => {
  test("a bad workload argument and bad registry credentials are reported together, before anything is registered", () => {
    const before = registered.length;
    let thrown: unknown;
    try {
      new EbpfWorkload("together", {
        image: DIGEST_IMAGE,
        namespace: "ebpf",
        cpu: "lots",
        registryCredentials: { server: "not a registry", username: "dev@1234567890", password: "secret" },
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InputErrors);
    expect((thrown as InputErrors).errors.map((e) => e.input)).toEqual(["cpu", "registryCredentials.server"]);
    expect(registered.length).toBe(before);
  });

  test("a least-privilege Deployment: drop ALL, add only what the model says, no host mounts", async () => {
    const { deployment, mine } = await deploy("trace", { image: DIGEST_IMAGE, namespace: "ebpf", kernel: "6.6.71" });
    expect(mine.map((r) => r.type)).toEqual([
      "acs-ebpf:index:EbpfWorkload",
      "kubernetes:core/v1:Namespace",
      "kubernetes:apps/v1:Deployment",
    ]);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.securityContext).toEqual({
      privileged: false,
      allowPrivilegeEscalation: false,
      runAsUser: 0,
      runAsNonRoot: false,
      capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.volumes).toBeUndefined();
    expect(container.volumeMounts).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.command.join(" ")).not.toMatch(/sleep 36000/);
    expect(container.command.join(" ")).toMatch(/sleep infinity/);
    expect(container.image).toBe(DIGEST_IMAGE);
    expect(container.imagePullPolicy).toBe("IfNotPresent");
  });

  test("ACS labels are on the pod template and never in the selector", async () => {
    const { deployment } = await deploy("labels", {
      image: DIGEST_IMAGE,
      namespace: "ebpf",
      computeClass: "performance",
      computeQos: "best-effort",
    });
    const labels = deployment.spec.template.metadata.labels;
    expect(labels["alibabacloud.com/compute-class"]).toBe("performance");
    expect(labels["alibabacloud.com/compute-qos"]).toBe("best-effort");
    expect(Object.keys(deployment.spec.selector.matchLabels).some((l) => l.startsWith("alibabacloud.com/"))).toBe(
      false,
    );
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
  });

  test("the pod template declares probe kinds and kernel for the policy pack", async () => {
    const { deployment } = await deploy("annotated", {
      image: DIGEST_IMAGE,
      namespace: "ebpf",
      probeKinds: ["fentry", "tc"],
      kernel: "5.10.134-16.3.al8.x86_64",
    });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      "acs-ebpf.io/probe-kinds": "fentry,tc",
      "acs-ebpf.io/kernel": "5.10.134-16.3.al8.x86_64",
    });
    expect(deployment.spec.template.spec.containers[0].securityContext.capabilities.add).toEqual([
      "BPF",
      "NET_ADMIN",
      "PERFMON",
      "SYS_RESOURCE",
    ]);
  });

  test("arm64 is asked for with the arch node selector; amd64 (ACS's default) needs none", async () => {
    const arm = await deploy("arm", { image: DIGEST_IMAGE, namespace: "ebpf", architecture: "arm64", kernel: "6.6.0" });
    expect((arm.deployment.spec.template.spec as { nodeSelector?: unknown }).nodeSelector).toEqual({
      "kubernetes.io/arch": "arm64",
    });
    const x86 = await deploy("x86", { image: DIGEST_IMAGE, namespace: "ebpf" });
    expect((x86.deployment.spec.template.spec as { nodeSelector?: unknown }).nodeSelector).toBeUndefined();
  });

  test("tracefs is mounted read-only only for probe kinds that need it", async () => {
    const { deployment } = await deploy("tracepoints", {
      image: DIGEST_IMAGE,
      namespace: "ebpf",
      probeKinds: ["tracepoint"],
    });
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toEqual([{ name: "host-0", hostPath: { path: "/sys/kernel/tracing", type: "Directory" } }]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: "host-0", mountPath: "/sys/kernel/tracing", readOnly: true },
    ]);
  });

  test("a tag (not a digest) is always pulled; pull secrets are referenced", async () => {
    const { deployment } = await deploy("tagged", {
      image: "registry.cn-hangzhou.aliyuncs.com/team/wb:v1",
      namespace: "ebpf",
      imagePullSecrets: ["acr-pull"],
    });
    expect(deployment.spec.template.spec.containers[0].imagePullPolicy).toBe("Always");
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: "acr-pull" }]);
  });

  const existingNamespace = (name: string, enforce?: string) =>
    (existingObjects[`kubernetes:core/v1:Namespace:${name}`] = {
      metadata: { name, labels: enforce ? { "pod-security.kubernetes.io/enforce": enforce } : {} },
    });

  test("an existing namespace is read, not created, and the Pod Security requirement is surfaced", async () => {
    existingNamespace("observability", "privileged");
    const { mine, workload, deployment } = await deploy("shared-ns", {
      image: DIGEST_IMAGE,
      namespace: "observability",
      createNamespace: false,
    });
    expect(mine.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => [r.name, r.read])).toEqual([
      ["shared-ns-existing-namespace", true],
    ]);
    expect(deployment.metadata.namespace).toBe("observability");
    expect(workload.warnings.join("\n")).toMatch(
      /Namespace observability is not created by this stack: it must allow privileged pods/,
    );
    // ...and shown to the person running `pulumi up`, as a Pulumi warning.
    expect(warnings.mock.calls.flat().join("\n")).toMatch(/Namespace observability is not created/);
    expect(await valueOf(workload.namespace)).toBe("observability");
  });

  test("checkPodSecurity false reads nothing (a deployer without get on namespaces)", async () => {
    const { mine, deployment } = await deploy("unchecked", {
      image: DIGEST_IMAGE,
      namespace: "nowhere-known",
      createNamespace: false,
      checkPodSecurity: false,
    });
    expect(mine.filter((r) => r.read)).toEqual([]);
    expect(deployment.metadata.namespace).toBe("nowhere-known");
  });

  test.each<[string, number | undefined, string]>([
    ["given", 90, "90s"],
    ["the default, the provider's own 10 minutes", undefined, "600s"],
  ])("rolloutTimeoutSeconds %s bounds the provider's rollout wait (customTimeouts)", async (_, seconds, expected) => {
    const timeouts: Record<string, unknown> = {};
    const workload = new EbpfWorkload(
      `rollout-${seconds}`,
      { image: DIGEST_IMAGE, namespace: "ebpf-rollout", rolloutTimeoutSeconds: seconds },
      // The mocks do not see resource options; an in-process transformation does.
      { transformations: [(a) => void (timeouts[a.type] = a.opts.customTimeouts)] },
    );
    await valueOf(workload.deploymentName);
    expect(timeouts["kubernetes:apps/v1:Deployment"]).toEqual({ create: expected, update: expected });
    expect(timeouts["kubernetes:core/v1:Namespace"]).toBeUndefined();
  });

  test("a created namespace enforces Pod Security privileged", async () => {
    const { mine } = await deploy("own-ns", { image: DIGEST_IMAGE, namespace: "ebpf-own" });
    const ns = mine.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    expect(ns.inputs).toMatchObject({
      metadata: { name: "ebpf-own", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    });
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      "compute class",
      { computeClass: "gpu-max" },
      /computeClass: "gpu-max" is not accepted; expected one of: general-purpose, performance, gpu, gpu-hpn/,
    ],
    [
      "gpu-hpn qos",
      { computeClass: "gpu-hpn", computeQos: "best-effort" },
      /computeQos: "best-effort" is not accepted \(gpu-hpn runs only with qos default\); expected one of: default/,
    ],
    ["kernel too old", { kernel: "4.19.91-27.al7.x86_64" }, /kernel: "4.19.91-27.al7.x86_64" is not accepted/],
    [
      "cpu too large",
      { cpu: "32" },
      /cpu: "32" is not accepted \(with memory 2Gi: no ACS pod size has more than 16 vCPU/,
    ],
    [
      "memory too large",
      { memory: "1Ti" },
      /^memory: "1Ti" is not accepted \(with cpu 1: no ACS pod size has more than 128 GiB\); expected at most 16 vCPU and 128 GiB memory/,
    ],
    [
      "malformed memory",
      { memory: "lots" },
      /memory: "lots" is not accepted; expected a positive Kubernetes memory quantity/,
    ],
    ["namespace", { namespace: "Bad_NS" }, /namespace: "Bad_NS" is not accepted; expected a DNS-1123 label/],
  ])("bad %s fails before any resource is registered", (_label, bad, message) => {
    const before = registered.length;
    expect(() => new EbpfWorkload("bad", { image: DIGEST_IMAGE, namespace: "ebpf", ...bad })).toThrow(message);
    expect(() => new EbpfWorkload("bad", { image: DIGEST_IMAGE, namespace: "ebpf", ...bad })).toThrow(InputErrors);
    expect(registered.length).toBe(before);
  });
});

describe("render equals what the component registers", () => {
  const projectDir = path.join(__dirname, "..", "..");
  test.each<[string, Record<string, unknown>]>([
    ["stack dev", readStackConfig(projectDir, "dev")],
    ["stack vendor-demo", readStackConfig(projectDir, "vendor-demo")],
    [
      "tracepoint on arm64 6.6, existing namespace",
      {
        "acs-ebpf:image": DIGEST_IMAGE,
        "acs-ebpf:probeKinds": ["tracepoint"],
        "acs-ebpf:architecture": "arm64",
        "acs-ebpf:kernel": "6.6.0",
        "acs-ebpf:createNamespace": false,
      },
    ],
    [
      "minimizing capabilities, performance best-effort",
      {
        "acs-ebpf:image": DIGEST_IMAGE,
        "acs-ebpf:minimizeCapabilities": true,
        "acs-ebpf:computeClass": "performance",
        "acs-ebpf:computeQos": "best-effort",
      },
    ],
    [
      "Unconfined seccomp, 3 replicas, 2 vCPU",
      {
        "acs-ebpf:image": DIGEST_IMAGE,
        "acs-ebpf:seccompProfile": "Unconfined",
        "acs-ebpf:replicas": 3,
        "acs-ebpf:cpu": "2",
        "acs-ebpf:memory": "4Gi",
      },
    ],
  ])("%s", async (_label, values) => {
    // The existing namespace is read (checkPodSecurity); render, with no cluster, reads nothing.
    existingObjects["kubernetes:core/v1:Namespace:ebpf-workbench"] = {
      metadata: { labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    };
    const rendered = renderConfig(values);
    const config = parseStackConfig(values, PINNED);
    const before = registered.length;
    const workload = new EbpfWorkload(config.workloadOptions.name, {
      ...config.workloadOptions,
      probeKinds: config.workloadOptions.probeKinds ? [...config.workloadOptions.probeKinds] : undefined,
      image: renderedImage(config.image),
    });
    await valueOf(workload.deploymentName);
    await settle();
    const mine = registered.slice(before).filter((r) => !r.read && r.type.startsWith("kubernetes:"));
    expect(mine.map((r) => r.inputs)).toEqual(rendered.objects);
    expect(mine.filter((r) => r.type === "kubernetes:apps/v1:Deployment")).toHaveLength(1);
  });
});
