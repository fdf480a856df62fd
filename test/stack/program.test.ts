/**
 * The stack program (index.ts) under mocks: config in, resources and exports out; bad config
 * registers nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, registered, settle, valueOf } from "../support/pulumiMocks";
import { SELFTEST_PATH } from "../../core/workload";

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@sha256:${"d".repeat(64)}`;

jest.spyOn(console, "warn").mockImplementation(() => undefined);
// No ambient kubeconfig: the machine running the tests must not decide what they see.
process.env.KUBECONFIG = "/nonexistent/kubeconfig";

function runProgram(config: Record<string, string>): Record<string, pulumi.Output<unknown>> {
  installMocks();
  pulumi.runtime.setAllConfig(config);
  let exports: Record<string, pulumi.Output<unknown>> = {};
  jest.isolateModules(() => {
    exports = require("../../index");
  });
  return exports;
}

describe("index.ts", () => {
  beforeEach(() => registered.splice(0));

  test("exports the namespace, workload, image and the granted capabilities with reasons", async () => {
    const exports = runProgram({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:kernel": "6.6.71",
      "acs-ebpf:namespace": "tracing",
    });
    expect(await valueOf(exports.namespace)).toBe("tracing");
    expect(await valueOf(exports.workloadName)).toBe("ebpf-workbench");
    expect(await valueOf(exports.image)).toBe(IMAGE);
    const capabilities = exports.capabilities as unknown as { name: string; reason: string }[];
    expect(capabilities.map((c) => c.name)).toEqual(["BPF", "PERFMON"]);
    const leftOut = exports.capabilitiesLeftOut as unknown as { name: string }[];
    expect(leftOut.map((c) => c.name)).toContain("SYS_ADMIN");
    await settle();
    expect(registered.map((r) => r.type)).toEqual([
      "acs-ebpf:index:EbpfWorkbench",
      "acs-ebpf:index:EbpfWorkload",
      "kubernetes:core/v1:Namespace",
      "kubernetes:apps/v1:Deployment",
      "acs-ebpf:index:TcpConnectVerification",
    ]);
    const verification = exports.verificationResult as unknown as Record<string, pulumi.Output<unknown>>;
    expect(await valueOf(verification.skipped)).toBe(true);
    expect(await valueOf(verification.skipReason)).toBe(
      "no kubeconfig: set kubernetes:kubeconfig (pulumi config set --secret) or KUBECONFIG; /nonexistent/kubeconfig cannot be read",
    );
  });

  test("with a cluster configured, the trace check is registered with the kubeconfig as a secret", async () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\n# token-that-must-stay-secret\n";
    const exports = runProgram({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:kernel": "6.6.71",
      "kubernetes:kubeconfig": kubeconfig,
      "acs-ebpf:verifyTarget": "10.0.0.8:80",
    });
    await valueOf(exports.workloadName);
    await settle();
    const check = registered.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
    expect(check?.inputs).toMatchObject({
      check: "tcp_connect-fentry",
      namespace: "ebpf-workbench",
      deployment: "ebpf-workbench",
      target: "10.0.0.8:80",
      image: IMAGE,
    });
    // Registered as a secret holding the kubeconfig, trimmed (dropping it, or passing it plain, fails here).
    expect(check?.inputs.kubeconfig).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: kubeconfig.trim(),
    });
    const exported = await Promise.all(
      Object.values(exports).map((o) => (pulumi.Output.isInstance(o) ? valueOf(o) : o)),
    );
    expect(JSON.stringify(exported)).not.toContain("token-that-must-stay-secret");
  });

  test("minimizeCapabilities reaches the Deployment (SETPCAP, annotated) and the check", async () => {
    const exports = runProgram({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:kernel": "6.6.71",
      "acs-ebpf:minimizeCapabilities": "true",
      "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n",
    });
    await valueOf(exports.workloadName);
    await settle();
    const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as {
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: { securityContext: { capabilities: { add: string[] } } }[] };
        };
      };
    };
    expect(deployment.spec.template.spec.containers[0].securityContext.capabilities.add).toEqual([
      "BPF",
      "PERFMON",
      "SETPCAP",
    ]);
    expect(deployment.spec.template.metadata.annotations["acs-ebpf.io/minimize-capabilities"]).toBe("true");
    expect(registered.find((r) => r.type === "pulumi-nodejs:dynamic:Resource")?.inputs).toMatchObject({
      minimizeCapabilities: true,
    });
  });

  test.each<[string, Record<string, string>, string]>([
    ["verify off", { "acs-ebpf:verify": "false" }, "acs-ebpf:verify is false"],
    [
      "render-only stack",
      { "kubernetes:renderYamlToDirectory": "out/x" },
      "kubernetes:renderYamlToDirectory is set: this stack writes YAML and talks to no cluster",
    ],
    ["no replicas", { "acs-ebpf:replicas": "0" }, "acs-ebpf:replicas is 0: there is no pod to run the trace in"],
  ])("%s: verification skipped and says why", async (_label, extra, reason) => {
    const exports = runProgram({
      "acs-ebpf:image": IMAGE,
      "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n",
      ...extra,
    });
    const verification = exports.verificationResult as unknown as Record<string, pulumi.Output<unknown>>;
    expect(await valueOf(verification.skipReason)).toBe(reason);
    await settle();
    expect(registered.some((r) => r.type === "pulumi-nodejs:dynamic:Resource")).toBe(false);
  });

  test("placement node: a DaemonSet with the configured tolerations, the trace as its process, self-tested; the exec check skipped and says why", async () => {
    const exports = runProgram({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:kernel": "6.6.71",
      "acs-ebpf:placement": "node",
      // As the engine sends them: Pulumi.yaml's defaults filled in, objects as JSON.
      "acs-ebpf:replicas": "1",
      "acs-ebpf:computeClass": "general-purpose",
      "acs-ebpf:computeQos": "default",
      "acs-ebpf:tolerations":
        '[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}]',
      "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n",
    });
    expect(await valueOf(exports.workloadName)).toBe("ebpf-workbench");
    const verification = exports.verificationResult as unknown as Record<string, pulumi.Output<unknown>>;
    expect(await valueOf(verification.skipReason)).toMatch(
      /^acs-ebpf:placement is node: each DaemonSet pod checks itself with the self-test startupProbe/,
    );
    await settle();
    // The node placement has no exec check: the DaemonSet's pods check themselves (selfTest).
    expect(registered.map((r) => r.type)).toEqual([
      "acs-ebpf:index:EbpfWorkbench",
      "acs-ebpf:index:EbpfWorkload",
      "kubernetes:core/v1:Namespace",
      "kubernetes:apps/v1:DaemonSet",
    ]);
    const ds = registered.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs as {
      spec: {
        template: {
          metadata: { labels: Record<string, string> };
          spec: { tolerations: unknown[]; containers: { command: string[]; startupProbe?: unknown }[] };
        };
      };
    };
    expect(ds.spec.template.spec.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(ds.spec.template.spec.containers[0].command).toEqual([
      "/bin/sh",
      "-c",
      "exec /usr/local/bin/fentry-tcp-connect 2>&1",
    ]);
    expect(ds.spec.template.spec.containers[0].startupProbe).toMatchObject({ exec: { command: [SELFTEST_PATH] } });
    expect(Object.keys(ds.spec.template.metadata.labels).filter((l) => l.startsWith("alibabacloud.com/"))).toEqual([]);
    expect(registered.some((r) => r.type === "pulumi-nodejs:dynamic:Resource")).toBe(false);
  });

  test("placement sidecar stops the program before any resource is registered, naming the key", () => {
    expect(() => runProgram({ "acs-ebpf:image": IMAGE, "acs-ebpf:placement": "sidecar" })).toThrow(
      /acs-ebpf:placement: "sidecar" is not accepted \(the sidecar goes into an application's pods/,
    );
    expect(registered).toEqual([]);
  });

  test("a bad config value stops the program before any resource is registered", () => {
    expect(() => runProgram({ "acs-ebpf:image": IMAGE, "acs-ebpf:computeQos": "burst" })).toThrow(
      /acs-ebpf:computeQos: "burst" is not accepted; expected one of: default, best-effort/,
    );
    expect(registered).toEqual([]);
  });
});

describe("index.ts, building the image", () => {
  const PASSWORD = "pa55-only-in-secrets";
  const DIGEST = `sha256:${"e".repeat(64)}`;
  beforeEach(() => registered.splice(0));

  test("builds, pushes, creates the pull secret first and deploys the digest from the pull host", async () => {
    const { mockOutputs } = require("../support/pulumiMocks");
    mockOutputs["docker:index/image:Image"] = (inputs: { imageName: string }) => ({
      repoDigest: `${inputs.imageName.replace(/:[^:/]+$/, "")}@${DIGEST}`,
    });
    const exports = runProgram({
      "acs-ebpf:imageRepository": "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
      "acs-ebpf:registryServer": "registry.cn-hangzhou.aliyuncs.com",
      "acs-ebpf:pullRegistryServer": "registry-vpc.cn-hangzhou.aliyuncs.com",
      "acs-ebpf:registryUsername": "dev@team",
      "acs-ebpf:registryPassword": PASSWORD,
    });
    const image = await valueOf(exports.image);
    expect(image).toBe(`registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@${DIGEST}`);
    await settle();
    const types = registered.map((r) => r.type);
    expect(types).toContain("docker:index/image:Image");
    const secretAt = types.indexOf("kubernetes:core/v1:Secret");
    expect(secretAt).toBeGreaterThanOrEqual(0);
    expect(types.indexOf("kubernetes:apps/v1:Deployment")).toBeGreaterThan(secretAt);
    expect(registered[secretAt].inputs).toMatchObject({
      type: "kubernetes.io/dockerconfigjson",
      metadata: { name: "ebpf-workbench-registry" },
    });
    const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as {
      spec: {
        template: {
          spec: { imagePullSecrets: { name: string }[]; containers: { image: string; imagePullPolicy: string }[] };
        };
      };
    };
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: "ebpf-workbench-registry" }]);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image, imagePullPolicy: "IfNotPresent" });
    const exported = await Promise.all(
      Object.values(exports).map((o) => (pulumi.Output.isInstance(o) ? valueOf(o) : o)),
    );
    expect(JSON.stringify(exported)).not.toContain(PASSWORD);
  });
});
