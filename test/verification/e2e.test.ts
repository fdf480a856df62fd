/**
 * End to end: the check through the real @kubernetes/client-node exec path (in a child process)
 * against a local API server that speaks the remotecommand WebSocket protocol and runs the
 * commands as local processes, with a stand-in tracer that prints the fentry program's output for
 * the connection the check really makes.
 */
import { startFakeCluster, FakeCluster, FakeClusterOptions, FakePod, ExecProtocol } from "./support/fakeCluster";
import { preparePodEnvironment, PodEnvironment, STAND_IN_TRACER } from "./support/podEnvironment";
import { startDriver, Driver } from "./support/driverClient";
import type { CheckOptions } from "../../verification/checkOptions";

const NS = "ebpf";
const DEPLOYMENT = "acs-ebpf-workbench";
const LABELS = { app: "acs-ebpf-workbench" };

let env: PodEnvironment;
let driver: Driver;
let cluster: FakeCluster | undefined;

beforeAll(() => {
  env = preparePodEnvironment();
  driver = startDriver();
});
afterAll(async () => {
  await driver.stop();
  env.cleanup();
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function pod(
  name: string,
  overrides: Partial<FakePod> = {},
  mode = "ok",
  extraEnv: Record<string, string> = {},
): FakePod {
  return {
    name,
    env: env.env(name, {
      FAKE_TRACER_MODE: mode,
      FAKE_UNAME_R: "6.6.71-1.al8.x86_64",
      FAKE_UNAME_M: "x86_64",
      ...extraEnv,
    }),
    ...overrides,
  };
}

async function cluster1(pods: FakePod[], extra: Partial<FakeClusterOptions> = {}): Promise<FakeCluster> {
  cluster = await startFakeCluster({
    namespace: NS,
    deployment: DEPLOYMENT,
    matchLabels: LABELS,
    pods,
    protocol: "v5.channel.k8s.io",
    lifetimeMs: 20_000,
    ...extra,
  });
  return cluster;
}

function options(extra: Partial<CheckOptions> = {}): CheckOptions {
  return {
    namespace: NS,
    deployment: DEPLOYMENT,
    tracerPath: STAND_IN_TRACER,
    btfPath: env.btfPath,
    // Generous where only a failure waits them out (a loaded CI machine runs the stand-in tracer
    // slowly); the tests of the timeouts themselves set short ones.
    readyTimeoutMs: 10_000,
    pollIntervalMs: 100,
    attachTimeoutMs: 15_000,
    eventTimeoutMs: 15_000,
    stopGraceMs: 1_000,
    commandTimeoutMs: 15_000,
    ...extra,
  };
}

/** The tracer exec of the check (the one running `timeout`). */
function tracerExecs(c: FakeCluster) {
  return c.execs.filter(
    (e) => e.command.includes(STAND_IN_TRACER) && e.command.some((a) => a.includes("exec timeout")),
  );
}

describe.each<ExecProtocol>(["v4.channel.k8s.io", "v5.channel.k8s.io"])("over %s", (protocol) => {
  test("success: the check's own loopback connection is matched, with kernel, capabilities and timings", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON", "SYS_PTRACE", "NET_ADMIN"] })], {
      protocol,
    });
    const result = await driver.check(c.kubeconfig, options({ randomPort: undefined, target: "127.0.0.1:23451" }));
    expect(result.failure).toBeNull();
    expect(result.verified).toBe(true);
    expect(result.pod).toBe("wb-0");
    expect(result.container).toBe("workbench");
    expect(result.kernel).toBe("6.6.71-1.al8.x86_64");
    expect(result.architecture).toBe("amd64");
    expect(result.btf).toBe(true);
    expect(result.effectiveCapabilities.sort()).toEqual(["BPF", "NET_ADMIN", "PERFMON", "SYS_PTRACE"]);
    expect(result.requiredCapabilities).toEqual(["BPF", "PERFMON"]);
    expect(result.excessCapabilities.sort()).toEqual(["NET_ADMIN", "SYS_PTRACE"]);
    expect(result.matchedEvent).toMatchObject({
      comm: "bash",
      dstAddr: "127.0.0.1",
      dstPort: 23451,
      srcAddr: "127.0.0.1",
    });
    expect(result.matchedEvent!.srcPort).toBeGreaterThan(0);
    expect(result.sampleEvents[0]).toEqual(result.matchedEvent);
    expect(result.tracerStop).toBe("stopped");
    expect(result.timings.attachMs).not.toBeNull();
    expect(result.timings.eventMs).not.toBeNull();
    expect(result.timings.readyToAttachedMs).toBeGreaterThanOrEqual(result.timings.attachMs!);
    expect(result.timings.attachedToEventMs).toBeGreaterThanOrEqual(0);
    // Every exec used the negotiated protocol, and the tracer really ended with the shutdown line.
    expect(new Set(c.execs.map((e) => e.protocol))).toEqual(new Set([protocol]));
    const [tracer] = tracerExecs(c);
    expect(tracer.stderr).toContain("received signal, exiting..");
    expect(tracer.exitCode).toBe(0);
  });

  test("the server dropping the tracer's connection mid-stream: connection-lost, and the tracer is still stopped", async () => {
    const c = await cluster1([pod("wb-0")], {
      protocol,
      dropExecWhen: (r) => r.command.includes(STAND_IN_TRACER) && r.stderr.includes("Dest addr"),
    });
    const result = await driver.check(c.kubeconfig, options());
    expect(result.verified).toBe(false);
    expect(result.failure?.kind).toBe("connection-lost");
    expect(result.failure?.summary).toMatch(/lost in the middle of the check/);
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/Comm\s+Src addr/);
    const [tracer] = tracerExecs(c);
    expect(tracer.dropped).toBe(true);
    // It kept running after the drop (as in a real pod) until the check stopped it.
    expect(await c.waitForProcesses(3000)).toBe(true);
    expect(tracer.exitedAt).toBeDefined();
    expect(result.tracerStop).toBe("stopped");
  });
});

describe("more evidence (v5.channel.k8s.io)", () => {
  test("waits for a pod that becomes Ready during the rollout, and picks a Ready one", async () => {
    const c = await cluster1([
      pod("wb-1", { ready: false, waitingReason: "ContainerCreating" }),
      pod("wb-2", { readyAfterMs: 400 }),
    ]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.verified).toBe(true);
    expect(result.pod).toBe("wb-2");
    expect(result.timings.podReadyMs).toBeGreaterThanOrEqual(300);
  });

  test("a container with every capability (privileged-like): everything beyond BPF and PERFMON is excess", async () => {
    const c = await cluster1([pod("wb-0")]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.verified).toBe(true);
    expect(result.effectiveCapabilities).toEqual(expect.arrayContaining(["BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"]));
    expect(result.excessCapabilities).toEqual(
      expect.arrayContaining(["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"]),
    );
    expect(result.excessCapabilities).not.toContain("BPF");
    expect(result.excessCapabilities).toHaveLength(result.effectiveCapabilities.length - 2);
    expect(result.warnings.join("\n")).toMatch(/capabilities beyond what this kernel needs for fentry: .*SYS_ADMIN/);
  });
});

describe("failure classes (v5.channel.k8s.io)", () => {
  test("a tracer that never exits is killed (SIGINT ignored → SIGKILL to its process group)", async () => {
    const c = await cluster1([pod("wb-0", {}, "never-exits")]);
    const result = await driver.check(c.kubeconfig, options({ stopGraceMs: 500 }));
    expect(result.verified).toBe(true);
    expect(result.tracerStop).toBe("killed");
    const [tracer] = tracerExecs(c);
    expect(tracer.exitedAt).toBeDefined();
    expect(tracer.stderr).not.toContain("received signal");
    expect(await c.waitForProcesses(2000)).toBe(true);
  });

  test("pod never Ready: names the pod status and its events", async () => {
    const c = await cluster1([
      pod("wb-0", {
        ready: false,
        waitingReason: "ImagePullBackOff",
        waitingMessage: 'Back-off pulling image "registry.example/ebpf-workbench"',
        events: [{ type: "Warning", reason: "Failed", message: "Failed to pull image: unauthorized" }],
      }),
    ]);
    const result = await driver.check(c.kubeconfig, options({ readyTimeoutMs: 400 }));
    expect(result.failure?.kind).toBe("pod-not-ready");
    const text = result.failure!.details.join("\n");
    expect(text).toContain("ImagePullBackOff");
    expect(text).toContain("Warning Failed: Failed to pull image: unauthorized");
    expect(result.failure!.tracerStderr).toEqual([]);
    expect(c.execs).toHaveLength(0);
  });

  test("exec forbidden: names create (and get) on pods/exec", async () => {
    const c = await cluster1([pod("wb-0")], { forbid: { exec: true } });
    const result = await driver.check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("exec-forbidden");
    expect(result.failure?.remedy).toMatch(/create on the resource pods\/exec/);
    expect(result.failure?.remedy).toMatch(/get on pods\/exec/);
    expect(result.failure?.details.join("\n")).toContain("403");
  });

  test("listing pods forbidden: names the verbs and resources", async () => {
    const c = await cluster1([pod("wb-0")], { forbid: { listPods: true } });
    const result = await driver.check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("api-forbidden");
    expect(result.failure?.remedy).toMatch(/get and list on pods/);
    expect(result.failure?.details.join("\n")).toMatch(/HTTP 403: pods is forbidden/);
  });

  test("operation not permitted (no CAP_BPF): the misleading memlock message points at CAP_BPF/seccomp, not SYS_RESOURCE", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["PERFMON", "IPC_LOCK"] })]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("operation-not-permitted");
    expect(result.failure?.tracerStderr.join("\n")).toMatch(
      /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} failed to set memlock rlimit: operation not permitted$/m,
    );
    expect(result.failure?.remedy).toMatch(/CAP_BPF\/seccomp, not SYS_RESOURCE or IPC_LOCK/);
    expect(result.failure?.remedy).toMatch(/privileged mode/);
    expect(result.failure?.remedy).toContain("Effective capabilities in the container: IPC_LOCK, PERFMON");
    expect(result.tracerStop).toBe("exited");
  });

  test("operation not permitted (seccomp blocks bpf with every capability present)", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON"] }, "seccomp")]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("operation-not-permitted");
    expect(result.failure?.remedy).toMatch(/seccomp profile must allow bpf\(\)/);
  });

  test("no BTF: preflight finds /sys/kernel/btf/vmlinux missing; the tracer's own error is attached", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-btf")]);
    const result = await driver.check(c.kubeconfig, options({ btfPath: `${env.dir}/no-such-vmlinux` }));
    expect(result.btf).toBe(false);
    expect(result.failure?.kind).toBe("no-btf");
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/no BTF found for kernel version/);
  });

  test("kernel too old: arm64 before 6.4", async () => {
    const c = await cluster1([
      pod("wb-0", {}, "old-arm64", { FAKE_UNAME_R: "6.1.0-13-arm64", FAKE_UNAME_M: "aarch64" }),
    ]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.architecture).toBe("arm64");
    expect(result.failure?.kind).toBe("kernel-unsupported");
    expect(result.failure?.summary).toMatch(/6\.1\.0-13-arm64 \(arm64\).*6\.4 on arm64/);
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/create raw tracepoint: not supported/);
  });

  test("kernel before 5.11 without SYS_RESOURCE: memlock failure; the audit requires SYS_RESOURCE", async () => {
    const c = await cluster1([
      pod("wb-0", { capabilities: ["BPF", "PERFMON"] }, "ok", { FAKE_UNAME_R: "5.10.134-16.al8.x86_64" }),
    ]);
    const result = await driver.check(c.kubeconfig, options());
    expect(result.requiredCapabilities).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
    expect(result.warnings.join("\n")).toMatch(/requires SYS_RESOURCE, which the container lacks/);
    expect(result.failure?.kind).toBe("operation-not-permitted");
  });

  test("header never printed: header-timeout, and the hanging tracer is stopped", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-header")]);
    const result = await driver.check(c.kubeconfig, options({ attachTimeoutMs: 600 }));
    expect(result.failure?.kind).toBe("header-timeout");
    expect(result.tracerStop).toBe("stopped");
    expect(await c.waitForProcesses(2000)).toBe(true);
  });

  test("no matching event before the timeout: lists what was seen", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-event")]);
    const result = await driver.check(c.kubeconfig, options({ eventTimeoutMs: 600, target: "127.0.0.1:23452" }));
    expect(result.failure?.kind).toBe("no-matching-event");
    expect(result.failure?.summary).toContain("127.0.0.1:23452");
    expect(result.failure?.details.join("\n")).toContain("expected comm bash, destination 127.0.0.1:23452");
    expect(result.tracerStop).toBe("stopped");
  });

  test("garbage and unrelated events around the real ones do not confuse the match", async () => {
    const c = await cluster1([pod("wb-0", {}, "garbage")]);
    const result = await driver.check(c.kubeconfig, options({ target: "127.0.0.1:23453" }));
    expect(result.failure).toBeNull(); // first: a failure shows its diagnosis
    expect(result.verified).toBe(true);
    expect(result.matchedEvent).toMatchObject({ comm: "bash", dstPort: 23453 });
    expect(result.sampleEvents.map((e) => e.comm)).toContain("ilogtail");
  });

  test("the tracer missing from the image", async () => {
    const c = await cluster1([pod("wb-0")]);
    const result = await driver.check(c.kubeconfig, options({ tracerPath: "/usr/local/bin/no-such-fentry" }));
    expect(result.failure?.kind).toBe("tracer-missing");
    expect(result.failure?.summary).toContain("/usr/local/bin/no-such-fentry");
  });

  test("the API server refusing the very first request: api-unreachable, naming the endpoint and the cause", async () => {
    const c = await cluster1([pod("wb-0")]);
    const kubeconfig = c.kubeconfig;
    await c.close();
    const result = await driver.check(kubeconfig, options());
    expect(result.failure?.kind).toBe("api-unreachable");
    expect(result.failure?.summary).toContain(`cannot reach the Kubernetes API server at ${c.url}`);
    expect(result.failure?.summary).toMatch(/ECONNREFUSED/);
    expect(result.failure?.summary).not.toMatch(/in the middle/);
  });
});

describe("capability minimization (real setpriv)", () => {
  test("on >= 5.11: BPF and PERFMON necessary; IPC_LOCK, NET_ADMIN and SETPCAP not", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON", "IPC_LOCK", "NET_ADMIN", "SETPCAP"] })]);
    const result = await driver.check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
    expect(result.verified).toBe(true);
    const m = result.minimization!;
    expect(m.performed).toBe(true);
    expect(m.necessary.sort()).toEqual(["BPF", "PERFMON"]);
    expect(m.unnecessary.sort()).toEqual(["IPC_LOCK", "NET_ADMIN", "SETPCAP"]);
    expect(m.reason).toBeNull();
    expect(m.inconclusive).toEqual([]);
    expect(m.runs.find((r) => r.removed === "BPF")?.stderr.join("\n")).toContain(
      "failed to set memlock rlimit: operation not permitted",
    );
    // Each run was really confined by setpriv, and nothing is left running.
    expect(c.execs.filter((e) => e.command.includes("setpriv"))).toHaveLength(5);
    expect(await c.waitForProcesses(2000)).toBe(true);
  }, 100_000);

  test("the vendor document's grants (SYS_RESOURCE aside, which this sandbox lacks): only SYS_ADMIN is necessary", async () => {
    const c = await cluster1([
      pod("wb-0", {
        capabilities: ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "IPC_LOCK", "SYSLOG", "SETPCAP"],
      }),
    ]);
    const result = await driver.check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
    expect(result.verified).toBe(true);
    // SETPCAP is what the model grants for minimization, so the audit does not count it as excess.
    expect(result.excessCapabilities.sort()).toEqual([
      "IPC_LOCK",
      "NET_ADMIN",
      "NET_RAW",
      "SYSLOG",
      "SYS_ADMIN",
      "SYS_PTRACE",
    ]);
    const m = result.minimization!;
    expect(m.necessary).toEqual(["SYS_ADMIN"]);
    expect(m.unnecessary.sort()).toEqual(["IPC_LOCK", "NET_ADMIN", "NET_RAW", "SETPCAP", "SYSLOG", "SYS_PTRACE"]);
    expect(m.note).toMatch(/grant BPF and PERFMON instead of SYS_ADMIN/);
  }, 100_000);

  test("SYS_ADMIN next to BPF and PERFMON: none is necessary alone, and the result says why", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["SYS_ADMIN", "BPF", "PERFMON", "SETPCAP"] })]);
    const result = await driver.check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
    const m = result.minimization!;
    expect(m.necessary).toEqual([]);
    expect(m.unnecessary.sort()).toEqual(["BPF", "PERFMON", "SETPCAP", "SYS_ADMIN"]);
    expect(m.note).toMatch(/SYS_ADMIN covers BPF and PERFMON/);
  }, 100_000);

  test("without CAP_SETPCAP it says why it cannot minimize", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON"] })]);
    const result = await driver.check(c.kubeconfig, options({ minimizeCapabilities: true }));
    expect(result.verified).toBe(true);
    expect(result.minimization).toMatchObject({ performed: false, necessary: [], unnecessary: [] });
    expect(result.minimization!.reason).toMatch(/CAP_SETPCAP/);
  });
});
