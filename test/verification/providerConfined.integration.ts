/**
 * The dynamic provider's create on the native node (npm run test:integration): the fake pod is
 * confined to BPF, PERFMON and NET_ADMIN by setpriv, so the outputs carry the real capability audit
 * (provider.test.ts runs on the portable node, where the audit is not checked).
 */
import { VERIFICATION_CHECK } from "../../core/workload";
import { stableHash } from "../../components/tcpConnectVerification";
import { startFakeCluster } from "../../testing/verification/fakeCluster";
import { preparePodEnvironment, PodEnvironment, STAND_IN_TRACER } from "../../testing/verification/podEnvironment";
import { startDriver, Driver } from "../../testing/verification/driverClient";

const IMAGE = "registry.example/ebpf-workbench@sha256:" + "a".repeat(64);
let env: PodEnvironment;
let driver: Driver;

beforeAll(() => {
  env = preparePodEnvironment("native");
  driver = startDriver();
});
afterAll(async () => {
  await driver.stop();
  env.cleanup();
});

test("create's outputs carry the capability audit of the confined pod", async () => {
  const cluster = await startFakeCluster({
    namespace: "ebpf",
    deployment: "acs-ebpf-workbench",
    matchLabels: { app: "acs-ebpf-workbench" },
    protocol: "v5.channel.k8s.io",
    lifetimeMs: 30_000,
    pods: [
      {
        name: "wb-0",
        capabilities: ["BPF", "PERFMON", "NET_ADMIN"],
        env: env.env("wb-0", { FAKE_UNAME_R: "6.6.71-1.al8.x86_64", FAKE_UNAME_M: "x86_64" }),
      },
    ],
  });
  try {
    const res = await driver.provider<{ outs: Record<string, unknown> }>("create", [
      {
        check: VERIFICATION_CHECK,
        namespace: "ebpf",
        deployment: "acs-ebpf-workbench",
        kubeconfig: cluster.kubeconfig,
        image: IMAGE,
        podTemplateHash: stableHash({ spec: { containers: [{ name: "workbench", image: IMAGE }] } }),
        tracerPath: STAND_IN_TRACER,
        readyTimeoutMs: 2000,
        attachTimeoutMs: 15_000,
        eventTimeoutMs: 15_000,
      },
    ]);
    expect(res.outs).toMatchObject({ verified: true, requiredCapabilities: ["BPF", "PERFMON"] });
    expect((res.outs.effectiveCapabilities as string[]).sort()).toEqual(["BPF", "NET_ADMIN", "PERFMON"]);
    expect(res.outs.excessCapabilities).toEqual(["NET_ADMIN"]);
  } finally {
    await cluster.close();
  }
});
