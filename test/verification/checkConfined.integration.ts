/**
 * End to end on the native node (npm run test:integration: root, a C compiler, util-linux setpriv):
 * the check as in e2e.test.ts, but each fake pod's processes are confined to a real capability
 * bounding set by setpriv, the tracer reads its real CapEff, and the connect tap is connect-tap.c,
 * preloaded. What this adds to e2e.test.ts: the capability audit (effective, required, excess),
 * the classified remedies that name the container's capabilities, the source port of the event,
 * and minimization (one rerun per capability under setpriv).
 * The stand-in tracer's capability outcomes copy the model's rules, so these check the plumbing
 * from CapEff to the result, not the model; npm run kernels runs the model on real kernels.
 */
import type { ExecProtocol } from "../../testing/verification/fakeCluster";
import { expectCleanTraceRun, useCheckHarness } from "./support/checkHarness";

const h = useCheckHarness("native");
const pod = h.pod;
const cluster1 = h.cluster;
const options = h.options;

describe.each<ExecProtocol>(["v4.channel.k8s.io", "v5.channel.k8s.io"])("confined pod over %s", (protocol) => {
  test("success: the check's own loopback connection is matched, with kernel, capabilities and timings", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON", "SYS_PTRACE", "NET_ADMIN"] })], {
      protocol,
    });
    const result = await h.driver().check(c.kubeconfig, options({ randomPort: undefined, target: "127.0.0.1:23451" }));
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
    expectCleanTraceRun(result, c, protocol);
  });
});

describe("the capability audit and its remedies (stand-in tracer: plumbing, not the model)", () => {
  test("a container with every capability (privileged-like): everything beyond BPF and PERFMON is excess", async () => {
    const c = await cluster1([pod("wb-0")]);
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.verified).toBe(true);
    expect(result.effectiveCapabilities).toEqual(expect.arrayContaining(["BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"]));
    expect(result.excessCapabilities).toEqual(
      expect.arrayContaining(["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"]),
    );
    expect(result.excessCapabilities).not.toContain("BPF");
    expect(result.excessCapabilities).toHaveLength(result.effectiveCapabilities.length - 2);
    expect(result.warnings.join("\n")).toMatch(/capabilities beyond what this kernel needs for fentry: .*SYS_ADMIN/);
  });

  test("operation not permitted (no CAP_BPF): the misleading memlock message points at CAP_BPF/seccomp, not SYS_RESOURCE", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["PERFMON", "IPC_LOCK"] })]);
    const result = await h.driver().check(c.kubeconfig, options());
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
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("operation-not-permitted");
    expect(result.failure?.remedy).toMatch(/seccomp profile must allow bpf\(\)/);
  });

  test("kernel before 5.11 without SYS_RESOURCE: memlock failure; the audit requires SYS_RESOURCE", async () => {
    const c = await cluster1([
      pod("wb-0", { capabilities: ["BPF", "PERFMON"] }, "ok", { FAKE_UNAME_R: "5.10.134-16.al8.x86_64" }),
    ]);
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.requiredCapabilities).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
    expect(result.warnings.join("\n")).toMatch(/requires SYS_RESOURCE, which the container lacks/);
    expect(result.failure?.kind).toBe("operation-not-permitted");
  });
});

describe("capability minimization (real setpriv; stand-in tracer: plumbing, not the model)", () => {
  test("on >= 5.11: BPF and PERFMON necessary; IPC_LOCK, NET_ADMIN and SETPCAP not", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON", "IPC_LOCK", "NET_ADMIN", "SETPCAP"] })]);
    const result = await h.driver().check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
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
    const result = await h.driver().check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
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
    // Every rerun either verified or was refused by the kernel (a failure shows the run's evidence).
    expect(m.runs.filter((r) => !r.verified && r.failure !== "operation-not-permitted")).toEqual([]);
    expect(m.necessary).toEqual(["SYS_ADMIN"]);
    expect(m.unnecessary.sort()).toEqual(["IPC_LOCK", "NET_ADMIN", "NET_RAW", "SETPCAP", "SYSLOG", "SYS_PTRACE"]);
    expect(m.note).toMatch(/grant BPF and PERFMON instead of SYS_ADMIN/);
  }, 100_000);

  test("SYS_ADMIN next to BPF and PERFMON: none is necessary alone, and the result says why", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["SYS_ADMIN", "BPF", "PERFMON", "SETPCAP"] })]);
    const result = await h.driver().check(c.kubeconfig, options({ minimizeCapabilities: true }), 90_000);
    const m = result.minimization!;
    expect(m.necessary).toEqual([]);
    expect(m.unnecessary.sort()).toEqual(["BPF", "PERFMON", "SETPCAP", "SYS_ADMIN"]);
    expect(m.note).toMatch(/SYS_ADMIN covers BPF and PERFMON/);
  }, 100_000);

  test("without CAP_SETPCAP it says why it cannot minimize", async () => {
    const c = await cluster1([pod("wb-0", { capabilities: ["BPF", "PERFMON"] })]);
    const result = await h.driver().check(c.kubeconfig, options({ minimizeCapabilities: true }));
    expect(result.verified).toBe(true);
    expect(result.minimization).toMatchObject({ performed: false, necessary: [], unnecessary: [] });
    expect(result.minimization!.reason).toMatch(/CAP_SETPCAP/);
  });
});
