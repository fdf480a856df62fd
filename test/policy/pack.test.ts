/**
 * The policy pack as the Pulumi CLI runs it, without the CLI: `node
 * @pulumi/pulumi/cmd/run-policy-pack <engine> .` in policy/ (what the nodejs `pulumi-analyzer-policy`
 * plugin runs for `pulumi preview --policy-pack policy`: ts-node with type checking, the pack's
 * package.json version, ../core and the root node_modules), then the Analyzer gRPC calls the engine
 * makes: GetAnalyzerInfo, Configure, Analyze, Remediate.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { VENDOR_DEMO_CAPABILITIES } from "../../core/capabilities";
import { VERIFICATION_CHECK } from "../../core/workload";
import { vendorDeployment } from "../../policy/testing";

const ROOT = path.join(__dirname, "..", "..");
// @grpc/grpc-js and google-protobuf as @pulumi/policy itself loads them.
const fromPolicy = (m: string) =>
  require(require.resolve(m, { paths: [path.dirname(require.resolve("@pulumi/policy"))] }));
const grpc = fromPolicy("@grpc/grpc-js");
const struct = fromPolicy("google-protobuf/google/protobuf/struct_pb.js");
const empty = fromPolicy("google-protobuf/google/protobuf/empty_pb.js");
const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const messages = require("@pulumi/pulumi/proto/analyzer_pb.js");

const MANDATORY = 1;
const REMEDIATE = 3;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/* eslint-disable @typescript-eslint/no-explicit-any -- generated protobuf classes are untyped here */
let child: ChildProcess;
let client: any;
let stderr = "";
const call = (method: string, req: unknown) =>
  new Promise<any>((resolve, reject) => client[method](req, (e: Error | null, r: any) => (e ? reject(e) : resolve(r))));

function analyzeRequest(type: string, props: object): any {
  const req = new messages.AnalyzeRequest();
  req.setType(type);
  req.setUrn(`urn:pulumi:dev::acs-ebpf::${type}::demo`);
  req.setName("demo");
  req.setProperties(struct.Struct.fromJavaScript(props));
  req.setOptions(new messages.AnalyzerResourceOptions());
  return req;
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:1", "."],
    {
      cwd: path.join(ROOT, "policy"),
    },
  );
  child.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => resolve(String(d).trim()));
    child.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
  });
  client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  child?.kill();
});

describe("the policy pack served to the engine", () => {
  it("describes every policy with its default level and config schema", async () => {
    const info = await call("getAnalyzerInfo", new empty.Empty());
    expect(info.getName()).toBe("acs-ebpf");
    expect(info.getVersion()).toBe("0.1.0");
    const policies = new Map<string, any>(info.getPoliciesList().map((p: any) => [p.getName(), p]));
    expect(policies.get("ebpf-least-privilege").getEnforcementlevel()).toBe(MANDATORY);
    expect(
      Object.keys(policies.get("ebpf-least-privilege").getConfigschema().getProperties().toJavaScript()).sort(),
    ).toEqual(["exemptImages", "kernel"]);
    expect([...policies.keys()]).toContain("ebpf-verification");
  });

  it("analyzes the vendor Deployment", async () => {
    const res = await call("analyze", analyzeRequest(DEPLOYMENT, vendorDeployment()));
    const diags = res
      .getDiagnosticsList()
      .map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
    const unneeded = diags
      .filter((d: any) => d.policy === "ebpf-least-privilege")
      .map((d: any) => /adds (\w+),/.exec(d.message)![1]);
    expect(unneeded).toEqual(VENDOR_DEMO_CAPABILITIES.filter((c) => c !== "SYS_RESOURCE"));
    expect(diags.filter((d: any) => d.policy === "host-path").map((d: any) => d.level)).toEqual([MANDATORY]);
  });

  it("takes the pack config and remediates drop-all and privilege-escalation", async () => {
    const configure = new messages.ConfigureAnalyzerRequest();
    for (const [name, level, props] of [
      ["drop-all", REMEDIATE, {}],
      ["privilege-escalation", REMEDIATE, {}],
      ["ebpf-least-privilege", MANDATORY, { kernel: "6.6.71" }],
    ] as const) {
      const pc = new messages.PolicyConfig();
      pc.setEnforcementlevel(level);
      pc.setProperties(struct.Struct.fromJavaScript(props));
      configure.getPolicyconfigMap().set(name, pc);
    }
    await call("configure", configure);

    const res = await call("remediate", analyzeRequest(DEPLOYMENT, vendorDeployment()));
    const remediations = res.getRemediationsList().map((r: any) => r.getPolicyname());
    expect(remediations).toEqual(["drop-all", "privilege-escalation"]);
    const fixed = res.getRemediationsList().at(-1).getProperties().toJavaScript();
    expect(fixed.spec.template.spec.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });

    const analyzed = await call("analyze", analyzeRequest(DEPLOYMENT, fixed));
    const policies = analyzed.getDiagnosticsList().map((d: any) => d.getPolicyname());
    expect(policies).not.toContain("drop-all");
    expect(policies).not.toContain("privilege-escalation");
    // kernel 6.6 from the config: SYS_RESOURCE is not needed either.
    expect(policies.filter((p: string) => p === "ebpf-least-privilege")).toHaveLength(7);
  });

  it("checks the stack for a tcp_connect verification of each eBPF workload", async () => {
    const resource = (type: string, name: string, props: object) => {
      const r = new messages.AnalyzerResource();
      r.setType(type);
      r.setName(name);
      r.setUrn(`urn:pulumi:dev::acs-ebpf::${type}::${name}`);
      r.setProperties(struct.Struct.fromJavaScript(props));
      r.setOptions(new messages.AnalyzerResourceOptions());
      return r;
    };
    const stack = (withVerification: boolean) => {
      const req = new messages.AnalyzeStackRequest();
      req.setResourcesList([
        resource(DEPLOYMENT, "demo", vendorDeployment()),
        ...(withVerification
          ? [
              resource("pulumi-nodejs:dynamic:Resource", "verify", {
                check: VERIFICATION_CHECK,
                namespace: "default",
                deployment: "acs-test-ebpf-demo",
              }),
            ]
          : []),
      ]);
      return req;
    };
    const without = await call("analyzeStack", stack(false));
    expect(without.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getUrn()])).toEqual([
      ["ebpf-verification", `urn:pulumi:dev::acs-ebpf::${DEPLOYMENT}::demo`],
    ]);
    expect((await call("analyzeStack", stack(true))).getDiagnosticsList()).toEqual([]);
  });

  it("fails a policy on bad config with the key, the value and what is accepted", async () => {
    const configure = new messages.ConfigureAnalyzerRequest();
    const pc = new messages.PolicyConfig();
    pc.setEnforcementlevel(MANDATORY);
    pc.setProperties(struct.Struct.fromJavaScript({ kernel: "newest" }));
    configure.getPolicyconfigMap().set("ebpf-least-privilege", pc);
    await call("configure", configure);
    await expect(call("analyze", analyzeRequest(DEPLOYMENT, vendorDeployment()))).rejects.toThrow(
      /ebpf-least-privilege\.kernel: "newest" is not accepted/,
    );
  });
});
