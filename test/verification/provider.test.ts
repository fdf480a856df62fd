/**
 * The dynamic provider: diff/read/delete as pure calls; create/update called directly (in the
 * tsx child, through the real client against the fake cluster); and the provider as Pulumi
 * serializes it under mocks, loaded the way the dynamic-provider host loads it (plain node,
 * require-from-string) and run against the same fake cluster. The fake pod is on the portable
 * node (any user): the stand-in tracer's capabilities are declared, so the capability audit in the
 * outputs is not checked here (test/verification/checkConfined.integration.ts checks it).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, registered, settle, valueOf } from "../support/pulumiMocks";
import { TcpConnectVerification, stableHash } from "../../components/tcpConnectVerification";
import {
  tcpConnectVerificationProvider,
  verificationDiff,
  VerificationInputs,
  RERUN_INPUTS,
} from "../../verification/provider";
import { VERIFICATION_CHECK, COMPONENT_TYPES } from "../../core/workload";
import { startFakeCluster, FakeCluster } from "../../testing/verification/fakeCluster";
import {
  declaredCapabilities,
  preparePodEnvironment,
  PodEnvironment,
  STAND_IN_TRACER,
} from "../../testing/verification/podEnvironment";
import { startDriver, startJsonLinesChild, Driver } from "../../testing/verification/driverClient";

installMocks();

const NS = "ebpf";
const DEPLOYMENT = "acs-ebpf-workbench";
const IMAGE = "registry.example/ebpf-workbench@sha256:" + "a".repeat(64);

let env: PodEnvironment;
let driver: Driver;
let cluster: FakeCluster;

/** A fake cluster on the portable node; the stand-in tracer runs with the declared capabilities. */
async function startCluster(capabilities: string[]) {
  return startFakeCluster({
    namespace: NS,
    deployment: DEPLOYMENT,
    matchLabels: { app: DEPLOYMENT },
    protocol: "v5.channel.k8s.io",
    lifetimeMs: 30_000,
    pods: [
      {
        name: "wb-0",
        env: env.env("wb-0", {
          FAKE_UNAME_R: "6.6.71-1.al8.x86_64",
          FAKE_UNAME_M: "x86_64",
          ...declaredCapabilities(capabilities),
        }),
      },
    ],
  });
}

function inputs(kubeconfig: string, extra: Partial<VerificationInputs> = {}): VerificationInputs {
  return {
    check: VERIFICATION_CHECK,
    namespace: NS,
    deployment: DEPLOYMENT,
    kubeconfig,
    image: IMAGE,
    podTemplateHash: stableHash({ spec: { containers: [{ name: "workbench", image: IMAGE }] } }),
    tracerPath: STAND_IN_TRACER,
    readyTimeoutMs: 2000,
    attachTimeoutMs: 4000,
    eventTimeoutMs: 4000,
    ...extra,
  };
}

beforeAll(async () => {
  env = preparePodEnvironment("portable");
  driver = startDriver();
  cluster = await startCluster(["BPF", "PERFMON", "NET_ADMIN"]);
});
afterAll(async () => {
  await driver.stop();
  await cluster.close();
  env.cleanup();
});

describe("diff", () => {
  const old = { ...inputs("kc"), verified: true, pod: "wb-0" };
  test.each([
    ["nothing changed", {}, false],
    ["a new image digest", { image: IMAGE.replace(/a{64}/, "b".repeat(64)) }, true],
    ["a new pod template", { podTemplateHash: stableHash({ other: 1 }) }, true],
    ["another Deployment", { deployment: "other" }, true],
    ["another namespace", { namespace: "other" }, true],
    ["a rotated kubeconfig", { kubeconfig: "rotated" }, false],
    ["a new target", { target: "10.0.0.1:80" }, false],
    ["new timeouts", { readyTimeoutMs: 1, attachTimeoutMs: 1, eventTimeoutMs: 1 }, false],
  ])("%s", (_name, change, changes) => {
    const result = verificationDiff(old, { ...inputs("kc"), ...change });
    expect(result.changes).toBe(changes);
    expect(result.replaces).toEqual([]);
  });

  test("the re-run inputs are exactly the image, pod template and workload identity", () => {
    expect([...RERUN_INPUTS].sort()).toEqual(["check", "deployment", "image", "namespace", "podTemplateHash"]);
  });

  test("stableHash ignores key order and undefined, and sees every value", () => {
    expect(stableHash({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(stableHash({ b: { c: [1, 2] }, a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: 2 }));
  });
});

describe("read and delete", () => {
  test("delete is a no-op; read returns the recorded evidence", async () => {
    await expect(tcpConnectVerificationProvider.delete!("id", { verified: true })).resolves.toBeUndefined();
    await expect(tcpConnectVerificationProvider.read!("id", { verified: true, pod: "wb-0" })).resolves.toEqual({
      id: "id",
      props: { verified: true, pod: "wb-0" },
    });
  });
});

describe("create and update called directly (real client, fake cluster)", () => {
  test("create returns the evidence and never the kubeconfig", async () => {
    const res = await driver.provider<{ id: string; outs: Record<string, unknown> }>("create", [
      inputs(cluster.kubeconfig),
    ]);
    expect(res.id).toBe(`${NS}/${DEPLOYMENT}/${VERIFICATION_CHECK}`);
    expect(res.outs).toMatchObject({
      check: VERIFICATION_CHECK,
      verified: true,
      pod: "wb-0",
      kernel: "6.6.71-1.al8.x86_64",
      architecture: "amd64",
      image: IMAGE,
      matchedEvent: { comm: "bash" },
    });
    expect(res.outs).not.toHaveProperty("kubeconfig");
    expect(JSON.stringify(res.outs)).not.toContain("test-token");
    expect(typeof res.outs.checkedAt).toBe("string");
  });

  test("update re-runs the check", async () => {
    const res = await driver.provider<{ outs: Record<string, unknown> }>("update", [
      "id",
      {},
      inputs(cluster.kubeconfig, { image: "x@sha256:" + "c".repeat(64) }),
    ]);
    expect(res.outs).toMatchObject({ verified: true, image: "x@sha256:" + "c".repeat(64) });
  });

  test("a failing check fails create with the classified message and the tracer's stderr", async () => {
    const noBpf = await startCluster(["PERFMON"]);
    try {
      await expect(driver.provider("create", [inputs(noBpf.kubeconfig)])).rejects.toThrow(
        /\[operation-not-permitted\][\s\S]*not SYS_RESOURCE or IPC_LOCK[\s\S]*failed to set memlock rlimit: operation not permitted/,
      );
    } finally {
      await noBpf.close();
    }
  });

  test("bad inputs name the input", async () => {
    await expect(driver.provider("create", [{ ...inputs(cluster.kubeconfig), check: "other" }])).rejects.toThrow(
      /check: "other" is not accepted/,
    );
    await expect(driver.provider("create", [inputs("not: [a kubeconfig")])).rejects.toThrow(/kubeconfig: .*expected/);
    await expect(driver.provider("create", [inputs(cluster.kubeconfig, { namespace: "Bad_NS" })])).rejects.toThrow(
      /namespace: "Bad_NS" is not accepted/,
    );
  });
});

describe("the component under mocks", () => {
  test.each([
    [{ target: "10.0.0.1" }, /^target: "10.0.0.1" is not accepted; expected host:port/],
    [{ namespace: "Bad_NS" }, /^namespace: "Bad_NS" is not accepted; expected a Kubernetes namespace name/],
    [{ eventTimeoutSeconds: 0 }, /^eventTimeoutSeconds: 0 is not accepted; expected a positive number of seconds/],
    [{ probeKinds: ["uprobe"] }, /^probeKinds: .*uprobe.* is not accepted; expected one of: fentry/],
  ])("bad plain argument %j fails before anything is registered", (bad, message) => {
    const before = registered.length;
    expect(
      () =>
        new TcpConnectVerification("bad", {
          namespace: NS,
          deployment: DEPLOYMENT,
          image: IMAGE,
          podTemplate: { spec: {} },
          kubeconfig: "kc",
          ...bad,
        }),
    ).toThrow(message);
    expect(registered.length).toBe(before);
  });

  test("without a kubeconfig nothing is registered to run, and the outputs say why", async () => {
    const before = registered.length;
    const v = new TcpConnectVerification("skipped", {
      namespace: NS,
      deployment: DEPLOYMENT,
      image: IMAGE,
      podTemplate: { spec: {} },
      skipReason: "no cluster configured (render/preview)",
    });
    await settle();
    const added = registered.slice(before);
    expect(added.map((r) => r.type)).toEqual([COMPONENT_TYPES.verification]);
    expect(await valueOf(v.skipped)).toBe(true);
    expect(await valueOf(v.skipReason)).toBe("no cluster configured (render/preview)");
    expect(await valueOf(v.verified)).toBe(false);
  });

  test("registers the dynamic resource with check/namespace/deployment; the provider serializes and runs in plain node", async () => {
    const template = {
      metadata: { labels: { app: DEPLOYMENT } },
      spec: { containers: [{ name: "workbench", image: IMAGE }] },
    };
    const v = new TcpConnectVerification("wb", {
      namespace: NS,
      deployment: DEPLOYMENT,
      kubeconfig: pulumi.secret(cluster.kubeconfig),
      image: IMAGE,
      podTemplate: template,
      selector: { app: DEPLOYMENT },
      tracerPath: STAND_IN_TRACER,
      readyTimeoutSeconds: 2,
      // Generous: only a failure waits them out (a loaded machine runs the stand-in slowly).
      attachTimeoutSeconds: 15,
      eventTimeoutSeconds: 15,
    });
    await settle();
    await valueOf(v.verified);
    await settle();
    const dyn = registered.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && r.name === "wb-check");
    expect(dyn).toHaveLength(1);
    const props = dyn[0].inputs as Record<string, unknown>;
    expect(props.check).toBe(VERIFICATION_CHECK);
    expect(props.namespace).toBe(NS);
    expect(props.deployment).toBe(DEPLOYMENT);
    expect(props.podTemplateHash).toBe(stableHash(template));
    expect(props.labelSelector).toBe(`app=${DEPLOYMENT}`);
    expect(props.readyTimeoutMs).toBe(2000);
    const providerText = props.__provider as string;
    expect(typeof providerText).toBe("string");
    // Nothing secret and no client library is captured in the serialized code.
    expect(providerText).not.toContain("test-token");
    expect(providerText).toContain('require("@kubernetes/client-node")');
    expect(providerText).not.toMatch(/class \w+/);

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-provider-")), "provider.js");
    fs.writeFileSync(file, providerText);
    const host = startJsonLinesChild([path.join(__dirname, "support/runSerializedProvider.js"), file]);
    try {
      const news = { ...props, kubeconfig: cluster.kubeconfig } as Record<string, unknown>;
      delete news.__provider;
      const created = await host.request<{ id: string; outs: Record<string, unknown> }>({
        method: "create",
        args: [news],
      });
      expect(created.outs).toMatchObject({
        verified: true,
        pod: "wb-0",
        check: VERIFICATION_CHECK,
        labelSelector: `app=${DEPLOYMENT}`,
      });
      expect(created.outs).not.toHaveProperty("kubeconfig");
      expect(await host.request({ method: "diff", args: [created.id, created.outs, news] })).toMatchObject({
        changes: false,
      });
      expect(
        await host.request({
          method: "diff",
          args: [created.id, created.outs, { ...news, image: "y@sha256:" + "d".repeat(64) }],
        }),
      ).toMatchObject({ changes: true });
      expect(await host.request({ method: "delete", args: [created.id, created.outs] })).toBeNull();
    } finally {
      await host.stop();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
