/**
 * The stack program (index.ts) under mocks: config in, resources and exports out; bad config
 * registers nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, registered, settle, valueOf } from "../support/pulumiMocks";

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
    const exports = runProgram({ "acs-ebpf:image": IMAGE, "acs-ebpf:kernel": "6.6.71", "acs-ebpf:namespace": "tracing" });
    expect(await valueOf(exports.namespace)).toBe("tracing");
    expect(await valueOf(exports.workloadName)).toBe("ebpf-workbench");
    expect(await valueOf(exports.image)).toBe(IMAGE);
    const capabilities = exports.capabilities as unknown as { name: string; reason: string }[];
    expect(capabilities.map((c) => c.name)).toEqual(["BPF", "PERFMON"]);
    const leftOut = exports.capabilitiesLeftOut as unknown as { name: string }[];
    expect(leftOut.map((c) => c.name)).toContain("SYS_ADMIN");
    await settle();
    expect(registered.map((r) => r.type)).toEqual([
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
    const exports = runProgram({ "acs-ebpf:image": IMAGE, "acs-ebpf:kernel": "6.6.71", "kubernetes:kubeconfig": kubeconfig, "acs-ebpf:verifyTarget": "10.0.0.8:80" });
    await valueOf(exports.workloadName);
    await settle();
    const check = registered.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
    expect(check?.inputs).toMatchObject({ check: "tcp_connect-fentry", namespace: "ebpf-workbench", deployment: "ebpf-workbench", target: "10.0.0.8:80", image: IMAGE });
    expect(JSON.stringify(check?.inputs.kubeconfig)).not.toBe(JSON.stringify(kubeconfig));
    const exported = await Promise.all(Object.values(exports).map((o) => (pulumi.Output.isInstance(o) ? valueOf(o) : o)));
    expect(JSON.stringify(exported)).not.toContain("token-that-must-stay-secret");
  });

  test("minimizeCapabilities reaches the Deployment (SETPCAP, annotated) and the check", async () => {
    const exports = runProgram({ "acs-ebpf:image": IMAGE, "acs-ebpf:kernel": "6.6.71", "acs-ebpf:minimizeCapabilities": "true", "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n" });
    await valueOf(exports.workloadName);
    await settle();
    const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as {
      spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { securityContext: { capabilities: { add: string[] } } }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0].securityContext.capabilities.add).toEqual(["BPF", "PERFMON", "SETPCAP"]);
    expect(deployment.spec.template.metadata.annotations["acs-ebpf.io/minimize-capabilities"]).toBe("true");
    expect(registered.find((r) => r.type === "pulumi-nodejs:dynamic:Resource")?.inputs).toMatchObject({ minimizeCapabilities: true });
  });

  test.each<[string, Record<string, string>, string]>([
    ["verify off", { "acs-ebpf:verify": "false" }, "acs-ebpf:verify is false"],
    ["render-only stack", { "kubernetes:renderYamlToDirectory": "out/x" }, "kubernetes:renderYamlToDirectory is set: this stack writes YAML and talks to no cluster"],
    ["no replicas", { "acs-ebpf:replicas": "0" }, "acs-ebpf:replicas is 0: there is no pod to run the trace in"],
  ])("%s: verification skipped and says why", async (_label, extra, reason) => {
    const exports = runProgram({ "acs-ebpf:image": IMAGE, "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n", ...extra });
    const verification = exports.verificationResult as unknown as Record<string, pulumi.Output<unknown>>;
    expect(await valueOf(verification.skipReason)).toBe(reason);
    await settle();
    expect(registered.some((r) => r.type === "pulumi-nodejs:dynamic:Resource")).toBe(false);
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
    mockOutputs["docker:index/image:Image"] = (inputs: { imageName: string }) => ({ repoDigest: `${inputs.imageName.replace(/:[^:/]+$/, "")}@${DIGEST}` });
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
    expect(types.indexOf("kubernetes:core/v1:Secret")).toBeLessThan(types.indexOf("kubernetes:apps/v1:Deployment"));
    const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as {
      spec: { template: { spec: { imagePullSecrets: { name: string }[]; containers: { image: string; imagePullPolicy: string }[] } } };
    };
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: "ebpf-workbench-registry" }]);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image, imagePullPolicy: "IfNotPresent" });
    const exported = await Promise.all(Object.values(exports).map((o) => (pulumi.Output.isInstance(o) ? valueOf(o) : o)));
    expect(JSON.stringify(exported)).not.toContain(PASSWORD);
  });
});
