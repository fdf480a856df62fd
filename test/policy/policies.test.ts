/* eslint-disable @typescript-eslint/no-explicit-any -- the tests navigate deep Kubernetes objects returned as Record<string, any> by @pulumi/policy */
/**
 * The pack's policies, called the way @pulumi/policy's analyzer server calls them (server.js:
 * validateResource(args, reportViolation), remediateResource(args), validateStack(args, report)),
 * without constructing the PolicyPack (that would start the gRPC server).
 */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { VERIFICATION_CHECK } from "../../core/workload";
import { policies, resourcePolicies, stackPolicies } from "../../policy/policies";
import { SELFTEST_PATH } from "../../core/workload";
import { RULE_NAMES } from "../../policy/rules";
import { vendorDeployment } from "../../policy/testing";

// The server hands props over behind this proxy (unknown preview values throw when read).
const { unknownCheckingProxy, unknownStringValue, UnknownValueError } = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(o: T): T;
  unknownStringValue: unknown;
  UnknownValueError: new (...args: unknown[]) => Error;
};
const { isResourcePolicy, isStackPolicy } = require("@pulumi/policy/policy") as {
  isResourcePolicy(p: unknown): boolean;
  isStackPolicy(p: unknown): boolean;
};

function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  config: object = {},
  name = "res",
): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:dev::acs-ebpf::${type}::${name}`,
    name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    } as unknown as ResourceValidationArgs["opts"],
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

function policy(name: string): ResourceValidationPolicy {
  const p = resourcePolicies().find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
}

async function validate(name: string, args: ResourceValidationArgs): Promise<string[]> {
  const messages: string[] = [];
  const v = policy(name).validateResource!;
  for (const fn of Array.isArray(v) ? v : [v]) await fn(args, (m) => messages.push(m));
  return messages;
}

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("the pack's policies", () => {
  it("satisfy what the analyzer server checks before serving", () => {
    const all = policies();
    expect(all.map((p) => p.name)).toEqual([...RULE_NAMES, "ebpf-verification"]);
    expect(new Set(all.map((p) => p.name)).size).toBe(all.length);
    for (const p of all) {
      expect(p.name).not.toBe("all");
      expect(p.configSchema?.properties?.enforcementLevel).toBeUndefined();
      expect(isResourcePolicy(p) || isStackPolicy(p)).toBe(true);
    }
    expect(stackPolicies().every((p) => isStackPolicy(p))).toBe(true);
  });

  it("ebpf-least-privilege reports the vendor Deployment's six unneeded capabilities on an unknown kernel", async () => {
    const messages = await validate("ebpf-least-privilege", resourceArgs(DEPLOYMENT, vendorDeployment()));
    expect(messages.map((m) => /adds (\w+),/.exec(m)?.[1])).toEqual([
      "SYS_ADMIN",
      "NET_ADMIN",
      "NET_RAW",
      "SYS_PTRACE",
      "IPC_LOCK",
      "SYSLOG",
    ]);
    expect(messages[0]).toMatch(
      /^Deployment\/acs-test-ebpf-demo container ebpf-demo: spec\.template\.spec\.containers\[0\]\.securityContext\.capabilities\.add\[0\]: /,
    );
  });

  it("reads the kernel from the policy config", async () => {
    const messages = await validate(
      "ebpf-least-privilege",
      resourceArgs(DEPLOYMENT, vendorDeployment(), { kernel: "6.6.71" }),
    );
    expect(messages).toHaveLength(7);
  });

  it("host-path reports the vendor Deployment's debugfs mount", async () => {
    const messages = await validate("host-path", resourceArgs(DEPLOYMENT, vendorDeployment()));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("/sys/kernel/debug");
  });

  it("names an auto-named resource by its Pulumi name and ignores non-Kubernetes types", async () => {
    const d = vendorDeployment();
    delete (d.metadata as Record<string, unknown>).name;
    expect((await validate("drop-all", resourceArgs(DEPLOYMENT, d, {}, "workbench")))[0]).toMatch(
      /^Deployment\/workbench container/,
    );
    expect(await validate("drop-all", resourceArgs("aws:s3/bucket:Bucket", { bucket: "x" }))).toEqual([]);
    expect(await validate("drop-all", resourceArgs("kubernetes:core/v1:ConfigMap", { data: {} }))).toEqual([]);
  });

  it.each([
    [{ kernel: "latest" }, /ebpf-least-privilege\.kernel: "latest" is not accepted.*uname -r/],
    [
      { exemptImages: "nginx" },
      /ebpf-least-privilege\.exemptImages: "nginx" is not accepted; expected a list of strings/,
    ],
    [
      { allowedCapabilities: ["X"] },
      /ebpf-least-privilege\.allowedCapabilities.*expected a setting of ebpf-least-privilege, one of: kernel, exemptImages/,
    ],
  ])("fails with the key, the value and what is accepted on bad config %j", async (config, message) => {
    await expect(
      validate("ebpf-least-privilege", resourceArgs(DEPLOYMENT, vendorDeployment(), config)),
    ).rejects.toThrow(message);
  });

  describe("remediations", () => {
    it("drop-all adds ALL to every container's drop list and keeps what it adds", async () => {
      const props = vendorDeployment();
      const fixed = (await policy("drop-all").remediateResource!(resourceArgs(DEPLOYMENT, props))) as Record<
        string,
        any
      >;
      const caps = fixed.spec.template.spec.containers[0].securityContext.capabilities;
      expect(caps.drop).toEqual(["ALL"]);
      expect(caps.add).toHaveLength(7);
      // The input is not mutated, and the fixed object passes the policy.
      expect((props as any).spec.template.spec.containers[0].securityContext.capabilities.drop).toBeUndefined();
      expect(await validate("drop-all", resourceArgs(DEPLOYMENT, fixed))).toEqual([]);
    });

    it("privilege-escalation sets allowPrivilegeEscalation: false, in init containers too", async () => {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: {
          initContainers: [{ name: "i", image: "x" }],
          containers: [{ name: "c", image: "x", securityContext: { allowPrivilegeEscalation: true } }],
        },
      };
      const fixed = (await policy("privilege-escalation").remediateResource!(
        resourceArgs("kubernetes:core/v1:Pod", pod),
      )) as Record<string, any>;
      expect(fixed.spec.initContainers[0].securityContext.allowPrivilegeEscalation).toBe(false);
      expect(fixed.spec.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
      expect(await validate("privilege-escalation", resourceArgs("kubernetes:core/v1:Pod", fixed))).toEqual([]);
    });

    it("returns nothing when there is nothing to fix, and skips exempt images", async () => {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "trusted/x", securityContext: {} }] },
      };
      expect(
        await policy("privilege-escalation").remediateResource!(
          resourceArgs("kubernetes:core/v1:Pod", pod, { exemptImages: ["trusted/*"] }),
        ),
      ).toBeUndefined();
      const ok = {
        ...pod,
        spec: { containers: [{ name: "c", image: "x", securityContext: { capabilities: { drop: ["all"] } } }] },
      };
      expect(await policy("drop-all").remediateResource!(resourceArgs("kubernetes:core/v1:Pod", ok))).toBeUndefined();
    });

    it("works on props behind the server's unknown-checking proxy", async () => {
      const fixed = (await policy("drop-all").remediateResource!(
        resourceArgs(DEPLOYMENT, unknownCheckingProxy(vendorDeployment())),
      )) as Record<string, any>;
      expect(fixed.spec.template.spec.containers[0].securityContext.capabilities.drop).toEqual(["ALL"]);
      expect(
        await validate("drop-all", resourceArgs(DEPLOYMENT, unknownCheckingProxy(vendorDeployment()))),
      ).toHaveLength(1);
    });

    it("an image not known during preview raises the server's UnknownValueError (reported as 'can't run during preview')", async () => {
      const d = vendorDeployment() as Record<string, any>;
      d.spec.template.spec.containers[0].image = unknownStringValue;
      await expect(validate("image-digest", resourceArgs(DEPLOYMENT, unknownCheckingProxy(d)))).rejects.toBeInstanceOf(
        UnknownValueError,
      );
      // Rules that do not read the image still run.
      expect(await validate("drop-all", resourceArgs(DEPLOYMENT, unknownCheckingProxy(d)))).toHaveLength(1);
    });

    it("only the safe fixes are remediations", () => {
      expect(
        resourcePolicies()
          .filter((p) => p.remediateResource)
          .map((p) => p.name)
          .sort(),
      ).toEqual(["drop-all", "privilege-escalation"]);
    });
  });

  describe("ebpf-verification (stack)", () => {
    const stackArgs = (resources: Partial<PolicyResource>[]): StackValidationArgs => ({
      resources: resources as PolicyResource[],
      stackTags: new Map(),
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (reason?: string): never => {
        throw new Error(`not applicable: ${reason}`);
      },
    });
    const deployment = { type: DEPLOYMENT, urn: "urn:d", props: vendorDeployment() };
    const verification = (props: Record<string, unknown>) => ({
      type: "pulumi-nodejs:dynamic:Resource",
      urn: "urn:v",
      props,
    });

    async function run(resources: Partial<PolicyResource>[]): Promise<[string, string | undefined][]> {
      const out: [string, string | undefined][] = [];
      await (stackPolicies()[0] as StackValidationPolicy).validateStack(stackArgs(resources), (m, urn) =>
        out.push([m, urn]),
      );
      return out;
    }

    it("reports an eBPF workload with no verification, on the workload's URN", async () => {
      const out = await run([deployment]);
      expect(out).toHaveLength(1);
      expect(out[0][1]).toBe("urn:d");
      expect(out[0][0]).toMatch(
        /default\/acs-test-ebpf-demo has no tcp_connect verification.*check "tcp_connect-fentry"/,
      );
    });

    it("accepts a verification naming the workload", async () => {
      expect(
        await run([
          deployment,
          verification({ check: VERIFICATION_CHECK, namespace: "default", deployment: "acs-test-ebpf-demo" }),
        ]),
      ).toEqual([]);
    });

    it.each([
      ["another check", { check: "something-else", namespace: "default", deployment: "acs-test-ebpf-demo" }],
      ["another namespace", { check: VERIFICATION_CHECK, namespace: "ebpf", deployment: "acs-test-ebpf-demo" }],
      ["another deployment", { check: VERIFICATION_CHECK, namespace: "default", deployment: "other" }],
    ])("does not accept a verification of %s", async (_name, props) => {
      expect(await run([deployment, verification(props)])).toHaveLength(1);
    });

    it("checks Deployments only (the verification verifies a Deployment)", async () => {
      const d = vendorDeployment() as Record<string, any>;
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: d.spec.template.spec };
      expect(await run([{ type: "kubernetes:core/v1:Pod", urn: "urn:p", props: pod }])).toEqual([]);
    });

    it.each<[string, (c: Record<string, any>) => void, number]>([
      [
        "every probe container runs the self-test as its startupProbe",
        (c) => (c.startupProbe = { exec: { command: [SELFTEST_PATH] } }),
        0,
      ],
      ["a startupProbe that is not the self-test", (c) => (c.startupProbe = { exec: { command: ["/bin/true"] } }), 1],
      ["no startupProbe", () => undefined, 1],
    ])("self-tested Deployments need no verification resource: %s", async (_name, edit, findings) => {
      const d = vendorDeployment() as Record<string, any>;
      edit(d.spec.template.spec.containers[0]);
      expect(await run([{ type: DEPLOYMENT, urn: "urn:d", props: d }])).toHaveLength(findings);
    });

    it("ignores workloads that are not eBPF workloads", async () => {
      const plain = {
        type: DEPLOYMENT,
        urn: "urn:p",
        props: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web" },
          spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } },
        },
      };
      expect(await run([plain])).toEqual([]);
    });
  });
});
