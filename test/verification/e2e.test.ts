/**
 * End to end on the portable node (any user, no C compiler): the check through the real
 * @kubernetes/client-node exec path (in a child process) against a local API server that speaks the
 * remotecommand WebSocket protocol and runs the commands as local processes, with a stand-in tracer
 * that prints the fentry program's output for the connection the check really makes.
 * The stand-in's capabilities are declared and its outcomes copy the model's rules, so nothing here
 * tests the capability audit or the model: checkConfined.integration.ts confines the pod for real
 * (npm run test:integration), and npm run kernels runs the model on real kernels.
 */
import type { ExecProtocol } from "../../testing/verification/fakeCluster";
import { declaredCapabilities, STAND_IN_TRACER } from "../../testing/verification/podEnvironment";
import { expectCleanTraceRun, useCheckHarness, tracerExecs } from "./support/checkHarness";

const h = useCheckHarness("portable");
const pod = h.pod;
const cluster1 = h.cluster;
const options = h.options;

describe.each<ExecProtocol>(["v4.channel.k8s.io", "v5.channel.k8s.io"])("over %s", (protocol) => {
  test("success: the check's own loopback connection is matched, with kernel, architecture and timings", async () => {
    const c = await cluster1([pod("wb-0")], { protocol });
    const result = await h.driver().check(c.kubeconfig, options({ randomPort: undefined, target: "127.0.0.1:23451" }));
    expect(result.failure).toBeNull();
    expect(result.verified).toBe(true);
    expect(result.pod).toBe("wb-0");
    expect(result.container).toBe("workbench");
    expect(result.kernel).toBe("6.6.71-1.al8.x86_64");
    expect(result.architecture).toBe("amd64");
    expect(result.btf).toBe(true);
    expect(result.target).toBe("127.0.0.1:23451");
    // The portable tap sees no source port (it reports 0); checkConfined.integration.ts checks it.
    expect(result.matchedEvent).toEqual({
      comm: "bash",
      srcAddr: "127.0.0.1",
      srcPort: 0,
      dstAddr: "127.0.0.1",
      dstPort: 23451,
      time: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/),
    });
    expectCleanTraceRun(result, c, protocol);
  });

  test("the tracer's exec stream dropped mid-stream while the API still answers: exec-lost, and the tracer is still stopped", async () => {
    const c = await cluster1([pod("wb-0")], {
      protocol,
      dropExecWhen: (r) => r.command.includes(STAND_IN_TRACER) && r.stderr.includes("Dest addr"),
    });
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.verified).toBe(false);
    // The API server still lists the pod: the stream broke between it and the kubelet (fault-kubelet-restart on a real node).
    expect(result.failure?.kind).toBe("exec-lost");
    expect(result.failure?.summary).toMatch(/was ended from outside the check while the API server still answers/);
    expect(result.failure?.details[0]).toBe("pod wb-0 is still there and the API server answers (list pods)");
    expect(result.failure?.details[1]).toMatch(/^tracer exec: connection closed/);
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/Comm\s+Src addr/);
    const [tracer] = tracerExecs(c);
    expect(tracer.dropped).toBe(true);
    // It kept running after the drop (as in a real pod) until the check stopped it.
    expect(await c.waitForProcesses(3000)).toBe(true);
    expect(tracer.exitedAt).toBeDefined();
    expect(result.tracerStop).toBe("stopped");
  });
});

describe("the tracer's exec session ended from outside (a kubelet shutting down, as in fault-kubelet-restart)", () => {
  test("the tracer stops on SIGTERM and exits 0 before the check stopped it: exec-lost, not tracer-exited", async () => {
    const c = await cluster1([pod("wb-0")], {
      protocol: "v5.channel.k8s.io",
      endExecWhen: (r) => r.command.includes(STAND_IN_TRACER) && r.stderr.includes("Dest addr"),
    });
    const result = await h.driver().check(c.kubeconfig, { ...options(), eventTimeoutMs: 20_000 });
    expect(result.verified).toBe(false);
    expect(tracerExecs(c)[0].ended).toBe(true);
    expect(result.failure?.kind).toBe("exec-lost");
    expect(result.failure?.details.slice(0, 2)).toEqual([
      "pod wb-0 is still there and the API server answers (list pods)",
      "the tracer exited 0, as it does only when signalled to stop, before the check stopped it",
    ]);
  });
});

describe("the pod deleted while the tracer runs in it (as the cluster scenario fault-pod-deleted does)", () => {
  test("pod-deleted, naming the pod, instead of the tracer's own exit (137)", async () => {
    const c = await cluster1([pod("wb-0")], {
      protocol: "v5.channel.k8s.io",
      deletePodWhen: (r) => r.command.includes(STAND_IN_TRACER) && r.stderr.includes("Dest addr"),
    });
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.verified).toBe(false);
    expect(result.failure?.kind).toBe("pod-deleted");
    expect(result.failure?.summary).toBe(
      "pod ebpf/wb-0 was deleted while the check ran in it, so the trace ended with it",
    );
    expect(result.failure?.details[0]).toBe("pod wb-0 is terminating (deletionTimestamp set)");
    expect(result.failure?.details[1]).toMatch(/^the trace ended with \[tracer-exited\] .*code 137/);
    expect(result.failure?.remedy).toMatch(/the next `pulumi up` runs it again/);
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/Comm\s+Src addr/);
    expect(tracerExecs(c)[0].signal).toBe("SIGKILL");
  });
});

describe("more evidence (v5.channel.k8s.io)", () => {
  test("waits for a pod that becomes Ready during the rollout, and picks a Ready one", async () => {
    const c = await cluster1([
      pod("wb-1", { ready: false, waitingReason: "ContainerCreating" }),
      pod("wb-2", { readyAfterMs: 400 }),
    ]);
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.verified).toBe(true);
    expect(result.pod).toBe("wb-2");
    expect(result.timings.podReadyMs).toBeGreaterThanOrEqual(300);
  });
});

describe("failure classes (v5.channel.k8s.io)", () => {
  test("a tracer that never exits is killed (SIGINT ignored → SIGKILL to its process group)", async () => {
    const c = await cluster1([pod("wb-0", {}, "never-exits")]);
    const result = await h.driver().check(c.kubeconfig, options({ stopGraceMs: 500 }));
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
    const result = await h.driver().check(c.kubeconfig, options({ readyTimeoutMs: 400 }));
    expect(result.failure?.kind).toBe("pod-not-ready");
    const text = result.failure!.details.join("\n");
    expect(text).toContain("ImagePullBackOff");
    expect(text).toContain("Warning Failed: Failed to pull image: unauthorized");
    expect(result.failure!.tracerStderr).toEqual([]);
    expect(c.execs).toHaveLength(0);
  });

  test("exec forbidden: names create (and get) on pods/exec", async () => {
    const c = await cluster1([pod("wb-0")], { forbid: { exec: true } });
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("exec-forbidden");
    expect(result.failure?.remedy).toMatch(/create on the resource pods\/exec/);
    expect(result.failure?.remedy).toMatch(/get on pods\/exec/);
    expect(result.failure?.details.join("\n")).toContain("403");
  });

  test("listing pods forbidden: names the verbs and resources", async () => {
    const c = await cluster1([pod("wb-0")], { forbid: { listPods: true } });
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.failure?.kind).toBe("api-forbidden");
    expect(result.failure?.remedy).toMatch(/get and list on pods/);
    expect(result.failure?.details.join("\n")).toMatch(/HTTP 403: pods is forbidden/);
  });

  test("the tracer refused by the kernel (declared: PERFMON only): operation-not-permitted with its stderr", async () => {
    const c = await cluster1([pod("wb-0", {}, "ok", declaredCapabilities(["PERFMON"]))]);
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.verified).toBe(false);
    expect(result.failure?.kind).toBe("operation-not-permitted");
    expect(result.failure?.tracerStderr.join("\n")).toMatch(
      /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} failed to set memlock rlimit: operation not permitted$/m,
    );
    expect(result.tracerStop).toBe("exited");
  });

  test("no BTF: preflight finds /sys/kernel/btf/vmlinux missing; the tracer's own error is attached", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-btf")]);
    const result = await h.driver().check(c.kubeconfig, options({ btfPath: `${h.env().dir}/no-such-vmlinux` }));
    expect(result.btf).toBe(false);
    expect(result.failure?.kind).toBe("no-btf");
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/no BTF found for kernel version/);
  });

  test("kernel too old: arm64 before 6.4", async () => {
    const c = await cluster1([
      pod("wb-0", {}, "old-arm64", { FAKE_UNAME_R: "6.1.0-13-arm64", FAKE_UNAME_M: "aarch64" }),
    ]);
    const result = await h.driver().check(c.kubeconfig, options());
    expect(result.architecture).toBe("arm64");
    expect(result.failure?.kind).toBe("kernel-unsupported");
    expect(result.failure?.summary).toMatch(/6\.1\.0-13-arm64 \(arm64\).*6\.4 on arm64/);
    expect(result.failure?.tracerStderr.join("\n")).toMatch(/create raw tracepoint: not supported/);
  });

  test("header never printed: header-timeout, and the hanging tracer is stopped", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-header")]);
    const result = await h.driver().check(c.kubeconfig, options({ attachTimeoutMs: 600 }));
    expect(result.failure?.kind).toBe("header-timeout");
    expect(result.tracerStop).toBe("stopped");
    expect(await c.waitForProcesses(2000)).toBe(true);
  });

  test("no matching event before the timeout: lists what was seen", async () => {
    const c = await cluster1([pod("wb-0", {}, "no-event")]);
    const result = await h.driver().check(c.kubeconfig, options({ eventTimeoutMs: 600, target: "127.0.0.1:23452" }));
    expect(result.failure?.kind).toBe("no-matching-event");
    expect(result.failure?.summary).toContain("127.0.0.1:23452");
    expect(result.failure?.details.join("\n")).toContain("expected comm bash, destination 127.0.0.1:23452");
    expect(result.tracerStop).toBe("stopped");
  });

  test("garbage and unrelated events around the real ones do not confuse the match", async () => {
    const c = await cluster1([pod("wb-0", {}, "garbage")]);
    const result = await h.driver().check(c.kubeconfig, options({ target: "127.0.0.1:23453" }));
    expect(result.failure).toBeNull(); // first: a failure shows its diagnosis
    expect(result.verified).toBe(true);
    expect(result.matchedEvent).toMatchObject({ comm: "bash", dstPort: 23453 });
    expect(result.sampleEvents.map((e) => e.comm)).toContain("ilogtail");
  });

  test("the tracer missing from the image", async () => {
    const c = await cluster1([pod("wb-0")]);
    const result = await h.driver().check(c.kubeconfig, options({ tracerPath: "/usr/local/bin/no-such-fentry" }));
    expect(result.failure?.kind).toBe("tracer-missing");
    expect(result.failure?.summary).toContain("/usr/local/bin/no-such-fentry");
  });

  test("the API server refusing the very first request: api-unreachable, naming the endpoint and the cause", async () => {
    const c = await cluster1([pod("wb-0")]);
    const kubeconfig = c.kubeconfig;
    await c.close();
    const result = await h.driver().check(kubeconfig, options());
    expect(result.failure?.kind).toBe("api-unreachable");
    expect(result.failure?.summary).toContain(`cannot reach the Kubernetes API server at ${c.url}`);
    expect(result.failure?.summary).toMatch(/ECONNREFUSED/);
    expect(result.failure?.summary).not.toMatch(/in the middle/);
  });
});
