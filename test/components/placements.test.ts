/* eslint-disable @typescript-eslint/no-explicit-any -- the tests navigate deep Kubernetes objects (pod specs with probe containers added) */
/**
 * EbpfWorkbench in each placement under Pulumi mocks, and ebpfSidecarTransform over the resource
 * types a stack registers. (Transforms run inside the Pulumi engine, which mocks do not have: the
 * transform is called here exactly as the engine calls it, with ResourceTransformArgs.)
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { installMocks, mockOutputs, registered, settle, valueOf } from "../support/pulumiMocks";
installMocks();

import { EbpfWorkbench } from "../../components/ebpfWorkbench";
import { ebpfSidecarTransform, SidecarApplied } from "../../components/ebpfSidecar";
import { InputErrors } from "../../core/errors";
import { SELFTEST_PATH } from "../../core/workload";

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"e".repeat(64)}`;
const DIGEST = `sha256:${"f".repeat(64)}`;
mockOutputs["docker:index/image:Image"] = (inputs) => ({
  repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${DIGEST}`,
});
const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);

type Obj = Record<string, any>;

async function build(name: string, args: ConstructorParameters<typeof EbpfWorkbench>[1]) {
  const before = registered.length;
  const workbench = new EbpfWorkbench(name, args);
  await valueOf(workbench.imageRef);
  await settle();
  return { workbench, mine: registered.slice(before) };
}

function appDeployment(labels: Record<string, string>): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shop", namespace: "shop", labels },
    spec: {
      selector: { matchLabels: { app: "shop" } },
      template: {
        metadata: { labels: { app: "shop" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "registry.example/web@sha256:" + "a".repeat(64),
              resources: { requests: { cpu: "1", memory: "2Gi" } },
            },
          ],
        },
      },
    },
  };
}

describe("EbpfWorkbench under mocks", () => {
  test("deployment (default): one line gives the namespace, the workbench Deployment and its verification", async () => {
    const { workbench, mine } = await build("wb", { image: IMAGE, kernel: "6.6.71" });
    expect(mine.map((r) => r.type).sort()).toEqual([
      "acs-ebpf:index:EbpfWorkbench",
      "acs-ebpf:index:EbpfWorkload",
      "acs-ebpf:index:TcpConnectVerification",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Namespace",
    ]);
    const deployment = mine.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as Obj;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.securityContext.capabilities).toEqual({ drop: ["ALL"], add: ["BPF", "PERFMON"] });
    expect(container.startupProbe.exec.command).toEqual([SELFTEST_PATH]);
    expect(deployment.spec.template.metadata.labels["alibabacloud.com/compute-class"]).toBe("general-purpose");
    expect(workbench.capabilities.map((c) => c.name)).toEqual(["BPF", "PERFMON"]);
    expect(await valueOf(workbench.verification!.skipped)).toBe(true);
  });

  test("deployment with a kubeconfig: the tcp_connect check names the Deployment and passes the kubeconfig as a secret", async () => {
    const { mine } = await build("checked", {
      image: IMAGE,
      namespace: "tracing",
      kubeconfig: "apiVersion: v1\nkind: Config\n# token-xyz\n",
      verifyTarget: "127.0.0.1:8080",
    });
    await settle();
    const check = [...mine, ...registered].find(
      (r) => r.type === "pulumi-nodejs:dynamic:Resource" && r.name === "checked-tcp-connect-check",
    )!;
    expect(check.inputs).toMatchObject({
      check: "tcp_connect-fentry",
      namespace: "tracing",
      deployment: "checked",
      target: "127.0.0.1:8080",
      image: IMAGE,
    });
    // Marked secret: the engine encrypts it in the state and never shows it in outputs.
    expect((check.inputs.kubeconfig as Obj)[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
  });

  test("deployment with a build: the image is built, pushed and deployed by digest", async () => {
    const { mine } = await build("built", {
      build: {
        repository: "registry.cn-hangzhou.aliyuncs.com/team/wb",
        registry: { server: "registry.cn-hangzhou.aliyuncs.com", username: "u", password: "p" },
        pullRegistryServer: "registry-vpc.cn-hangzhou.aliyuncs.com",
      },
    });
    expect(mine.map((r) => r.type)).toContain("docker:index/image:Image");
    await settle();
    const deployment = registered.filter(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "built-deployment",
    )[0].inputs as Obj;
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      `registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@${DIGEST}`,
    );
  });

  test("node: a DaemonSet with the same probe container, no ACS labels, self-tested, no exec verification", async () => {
    const { mine } = await build("nodes", { placement: "node", image: IMAGE, kernel: "5.10.134-16.3.al8.x86_64" });
    expect(mine.map((r) => r.type).sort()).toEqual([
      "acs-ebpf:index:EbpfWorkbench",
      "acs-ebpf:index:EbpfWorkload",
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:core/v1:Namespace",
    ]);
    const ds = mine.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs as Obj;
    expect(Object.keys(ds.spec.template.metadata.labels).filter((l) => l.startsWith("alibabacloud.com/"))).toEqual([]);
    const c = ds.spec.template.spec.containers[0];
    expect(c.securityContext.capabilities.add).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
    expect(c.command).toEqual(["/bin/sh", "-c", "exec /usr/local/bin/fentry-tcp-connect 2>&1"]);
    expect(c.startupProbe.exec.command).toEqual([SELFTEST_PATH]);
  });

  test("node without tolerations: the DaemonSet's pods carry none (only untainted nodes, plus what the DaemonSet controller adds)", async () => {
    const { mine } = await build("untainted", { placement: "node", image: IMAGE });
    const ds = mine.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs as Obj;
    expect(ds.spec.template.spec).not.toHaveProperty("tolerations");
  });

  test("node with tolerations: the DaemonSet's pod template tolerates exactly those taints, operator spelled out", async () => {
    const tolerations = [
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists" as const, effect: "NoSchedule" as const },
      { key: "dedicated", value: "tracing", effect: "NoExecute" as const, tolerationSeconds: 600 },
    ];
    const { mine } = await build("tainted", { placement: "node", image: IMAGE, kernel: "6.6.71", tolerations });
    const ds = mine.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs as Obj;
    expect(ds.spec.template.spec.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "dedicated", operator: "Equal", value: "tracing", effect: "NoExecute", tolerationSeconds: 600 },
    ]);
    // Tolerations widen where the probe runs, never what it may do.
    expect(ds.spec.template.spec.containers[0].securityContext.capabilities).toEqual({
      drop: ["ALL"],
      add: ["BPF", "PERFMON"],
    });
  });

  test("node tolerating every taint (the cilium/tetragon choice) is one line", async () => {
    const { mine } = await build("everywhere", {
      placement: "node",
      image: IMAGE,
      tolerations: [{ operator: "Exists" }],
    });
    const ds = mine.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs as Obj;
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: "Exists" }]);
  });

  test.each<[string, Obj, RegExp]>([
    [
      "acs: true",
      { acs: true },
      /acs: true is not accepted \(ACS runs no DaemonSets .*\); expected a node-based cluster \(ACK or another cluster with nodes\): on ACS use placement sidecar/,
    ],
    [
      "an ACS compute class",
      { computeClass: "performance" },
      /computeClass: "performance" is not accepted \(.*compute-class is an ACS label\)/,
    ],
    ["an ACS compute QoS", { computeQos: "best-effort" }, /computeQos: "best-effort" is not accepted/],
    [
      "replicas (one pod per node)",
      { replicas: 2 },
      /replicas: 2 is not accepted \(a DaemonSet runs one pod per node\); expected unset with placement node/,
    ],
  ])("node is refused (%s) before anything is registered", (_name, extra, message) => {
    const before = registered.length;
    expect(() => new EbpfWorkbench("refused", { placement: "node", image: IMAGE, ...extra })).toThrow(message);
    expect(registered.length).toBe(before);
  });

  test("sidecar: no workload of its own; its transform adds the probe to an opted-in application", async () => {
    const { workbench, mine } = await build("probe", {
      placement: "sidecar",
      image: IMAGE,
      kubernetesVersion: "1.30",
      kernel: "6.6.71",
    });
    expect(mine.map((r) => r.type)).toEqual(["acs-ebpf:index:EbpfWorkbench"]);
    const result = await workbench.sidecarTransform!({
      custom: true,
      type: "kubernetes:apps/v1:Deployment",
      name: "shop",
      props: appDeployment({ "acs-ebpf.io/ebpf-sidecar": "enabled" }),
      opts: {},
    });
    // Register the transformed application as the engine would, and read it back from the mocks.
    new k8s.apps.v1.Deployment("shop", result!.props as k8s.apps.v1.DeploymentArgs);
    await settle();
    const shop = registered.filter((r) => r.name === "shop")[0].inputs as Obj;
    const probe = shop.spec.template.spec.initContainers[0];
    expect(probe).toMatchObject({
      name: "ebpf-probe",
      image: IMAGE,
      restartPolicy: "Always",
      securityContext: { capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] } },
    });
    expect(shop.spec.template.spec.containers).toEqual(appDeployment({}).spec.template.spec.containers);
    expect(warn.mock.calls.flat().join("\n")).toMatch(
      /Deployment shop: eBPF probe ebpf-probe added as a native sidecar.*ACS pod size 1 vCPU \/ 2 GiB → 1\.5 vCPU \/ 3 GiB/,
    );
  });

  test("sidecar with applyToStack registers the transform for the whole stack", async () => {
    const spy = jest.spyOn(pulumi.runtime, "registerResourceTransform").mockImplementation(() => undefined);
    const { workbench } = await build("stackwide", {
      placement: "sidecar",
      image: IMAGE,
      kubernetesVersion: "1.28",
      applyToStack: true,
    });
    expect(spy).toHaveBeenCalledWith(workbench.sidecarTransform);
    spy.mockRestore();
  });

  test.each<[string, Obj, RegExp]>([
    [
      "sidecar without a Kubernetes version",
      { placement: "sidecar" },
      /kubernetesVersion: \(not set\) is not accepted/,
    ],
    [
      "sidecar with a namespace",
      { placement: "sidecar", kubernetesVersion: "1.30", namespace: "x" },
      /namespace: "x" is not accepted \(the probe joins your application's pods/,
    ],
    [
      "sidecar with a kubeconfig (never echoed)",
      { placement: "sidecar", kubernetesVersion: "1.30", kubeconfig: "secret-token-xyz" },
      /kubeconfig: "\(set\)" is not accepted/,
    ],
    [
      "node with an unknown toleration operator",
      { placement: "node", tolerations: [{ key: "dedicated", operator: "Exist" }] },
      /tolerations\[0\]\.operator: "Exist" is not accepted; expected one of: Exists, Equal/,
    ],
    [
      "node with a value on Exists",
      { placement: "node", tolerations: [{ key: "dedicated", operator: "Exists", value: "tracing" }] },
      /tolerations\[0\]\.value: "tracing" is not accepted \(Exists matches any value of the key\); expected unset with operator Exists/,
    ],
    [
      "node with tolerationSeconds on NoSchedule",
      {
        placement: "node",
        tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }],
      },
      /tolerations\[0\]\.tolerationSeconds: 5 is not accepted .*expected unset unless effect is NoExecute/,
    ],
    [
      "node with an unknown effect",
      { placement: "node", tolerations: [{ key: "a", operator: "Exists", effect: "NoRun" }] },
      /tolerations\[0\]\.effect: "NoRun" is not accepted; expected one of: NoSchedule, PreferNoSchedule, NoExecute, "" \(every effect\)/,
    ],
    [
      "node with tolerations that are no list",
      { placement: "node", tolerations: "control-plane" },
      /tolerations: "control-plane" is not accepted; expected a list of tolerations/,
    ],
    [
      "deployment with tolerations",
      { tolerations: [{ operator: "Exists" }] },
      /tolerations: \[\{"operator":"Exists"\}\] is not accepted \(tolerations choose the tainted nodes .*\); expected unset with placement deployment/,
    ],
    [
      "sidecar with tolerations",
      { placement: "sidecar", kubernetesVersion: "1.30", tolerations: [{ operator: "Exists" }] },
      /tolerations: \[\{"operator":"Exists"\}\] is not accepted \(the probe joins your application's pods/,
    ],
    [
      "an unknown placement",
      { placement: "everywhere" },
      /placement: "everywhere" is not accepted; expected one of: deployment, sidecar, node/,
    ],
    ["an image by tag", { image: "registry.example/wb:1" }, /^image: "registry.example\/wb:1" is not accepted/],
    [
      "latest, even with allowImageTag",
      { image: "registry.example/wb:latest", allowImageTag: true },
      /^image: "registry.example\/wb:latest" is not accepted \(`latest` or no tag moves under the Deployment\)/,
    ],
    [
      "both image and build",
      { build: { repository: "registry.cn-hangzhou.aliyuncs.com/t/wb" } },
      /exactly one of image .* and build/,
    ],
    ["a bad verify target", { verifyTarget: "nowhere" }, /^verifyTarget: "nowhere" is not accepted/],
  ])("%s: refused before anything is registered", (_name, extra, message) => {
    const before = registered.length;
    const make = () => new EbpfWorkbench("bad", { image: IMAGE, ...extra } as never);
    expect(make).toThrow(InputErrors);
    expect(make).toThrow(message);
    try {
      make();
    } catch (e) {
      expect((e as Error).message).not.toContain("secret-token-xyz");
    }
    expect(registered.length).toBe(before);
  });
});

describe("EbpfWorkbench with allowImageTag", () => {
  test("a fixed tag is deployed, pulled on every start (the opt-out of digest pinning)", async () => {
    const image = "registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:v1";
    const workbench = new EbpfWorkbench("tagged", { image, allowImageTag: true, kernel: "6.6.71" });
    await settle();
    const deployment = registered.find(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "tagged-deployment",
    )!.inputs as { spec: { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image, imagePullPolicy: "Always" });
    expect(await valueOf(workbench.imageRef)).toBe(image);
  });
});

describe("ebpfSidecarTransform", () => {
  const applied: SidecarApplied[] = [];
  const transform = ebpfSidecarTransform({
    image: IMAGE,
    kubernetesVersion: "1.28",
    onApplied: (a) => applied.push(a),
  });
  const opted = { "acs-ebpf.io/ebpf-sidecar": "enabled" };
  const job = (labels: Record<string, string>) => ({ ...appDeployment(labels), apiVersion: "batch/v1", kind: "Job" });
  const cron = (labels: Record<string, string>) => ({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c", labels },
    spec: { schedule: "@hourly", jobTemplate: { spec: { template: appDeployment({}).spec.template } } },
  });

  test.each<[string, string, Obj, boolean]>([
    ["opted-in Deployment", "kubernetes:apps/v1:Deployment", appDeployment(opted), true],
    ["opted-in StatefulSet", "kubernetes:apps/v1:StatefulSet", { ...appDeployment(opted), kind: "StatefulSet" }, true],
    ["opted-in Job", "kubernetes:batch/v1:Job", job(opted), true],
    ["opted-in CronJob", "kubernetes:batch/v1:CronJob", cron(opted), true],
    ["Deployment without the label", "kubernetes:apps/v1:Deployment", appDeployment({ app: "shop" }), false],
    [
      "Job with the label set to another value",
      "kubernetes:batch/v1:Job",
      job({ "acs-ebpf.io/ebpf-sidecar": "disabled" }),
      false,
    ],
    [
      "labelled DaemonSet (not a sidecar kind)",
      "kubernetes:apps/v1:DaemonSet",
      { ...appDeployment(opted), kind: "DaemonSet" },
      false,
    ],
    [
      "labelled Service",
      "kubernetes:core/v1:Service",
      { apiVersion: "v1", kind: "Service", metadata: { name: "s", labels: opted } },
      false,
    ],
    ["a component resource", "acs-ebpf:index:EbpfWorkload", { metadata: { labels: opted } }, false],
  ])("%s (%s) → changed: %s", async (_name, type, props, changed) => {
    applied.splice(0);
    const frozen = JSON.stringify(props);
    const result = await transform({
      custom: !type.startsWith("acs-ebpf:"),
      type,
      name: "w",
      props,
      opts: { protect: true },
    });
    expect(result !== undefined).toBe(changed);
    expect(JSON.stringify(props)).toBe(frozen);
    expect(applied.length).toBe(changed ? 1 : 0);
    if (result) {
      expect(result.opts).toEqual({ protect: true });
      expect(JSON.stringify(result.props)).toContain('"__IS_SIDECAR__"');
      expect(applied[0].report.billingChange).toMatch(/→/);
    }
  });

  test("bad options fail when the transform is made, not per resource", () => {
    expect(() => ebpfSidecarTransform({ image: IMAGE, kubernetesVersion: "one-thirty" })).toThrow(
      /kubernetesVersion: "one-thirty" is not accepted/,
    );
  });
});
