import { diagnoseRollout, selfTestFailure, selfTestFailureInEvent } from "../../verification/selfTestEvents";
import { formatFailure } from "../../verification/failures";
import type { PodSummary, VerificationTransport } from "../../verification/transport";

/** A startupProbe failure event as the kubelet (v1.35) records ebpf-selftest's output (cluster scenario sidecar-placement). */
const UNHEALTHY = [
  "Warning Unhealthy: Startup probe failed: acs-ebpf-selftest: FAILED [operation-not-permitted] the tracer exited (code 1) before attaching",
  "What to do: bpf() or perf_event_open() was refused.",
  "Tracer stderr (last lines):",
  "  2026/12/03 14:47:02 failed to set memlock rlimit: operation not permitted",
  "",
].join("\n");

describe("the self-test's failure read back from pod events", () => {
  test("the kind, summary and tracer stderr of the kubelet's Unhealthy event", () => {
    expect(selfTestFailureInEvent(UNHEALTHY)).toEqual({
      kind: "operation-not-permitted",
      summary: "the tracer exited (code 1) before attaching",
      tracerStderr: ["2026/12/03 14:47:02 failed to set memlock rlimit: operation not permitted"],
    });
  });

  test("other events and unknown kinds are not a self-test failure", () => {
    expect(selfTestFailureInEvent("Normal Started: Container started")).toBeNull();
    expect(selfTestFailureInEvent("Warning Unhealthy: acs-ebpf-selftest: FAILED [no-such-kind] x")).toBeNull();
  });

  test("the newest failure of the first pod that has one, as a classified failure naming the pod", () => {
    const f = selfTestFailure("shop-ns", [
      { pod: "a", status: [], events: ["Normal Pulled: image"] },
      {
        pod: "b",
        status: ["container app waiting: PodInitializing"],
        events: [UNHEALTHY.replace("code 1", "code 2"), UNHEALTHY],
      },
    ]);
    expect(f?.kind).toBe("operation-not-permitted");
    expect(f?.summary).toBe(
      "the eBPF self-test (the probe's startupProbe) failed in pod shop-ns/b: the tracer exited (code 1) before attaching",
    );
    expect(f?.details).toContain("pod b: container app waiting: PodInitializing");
    const text = formatFailure(f!);
    expect(text).toMatch(/^tcp_connect fentry verification failed \[operation-not-permitted\]/);
    expect(text).toMatch(/What to do: bpf\(\) or perf_event_open\(\) was refused/);
    expect(text).toMatch(/Tracer stderr \(last lines\):\n {2}.*failed to set memlock rlimit/);
    expect(selfTestFailure("shop-ns", [{ pod: "a", status: [], events: [] }])).toBeNull();
  });
});

describe("diagnoseRollout over the check's transport", () => {
  const pod = (name: string, ready: boolean, deleting = false): PodSummary => ({
    name,
    phase: "Pending",
    ready,
    containers: ["app"],
    status: [],
    deleting,
  });
  function transport(pods: PodSummary[], events: Record<string, string[]>, fail?: Error) {
    const asked: string[] = [];
    const t: VerificationTransport = {
      deploymentSelector: async () => "",
      listPods: async (ns, selector) => {
        asked.push(`${ns} ${selector}`);
        if (fail) throw fail;
        return pods;
      },
      podEvents: async (_ns, name) => events[name] ?? [],
      exec: async () => {
        throw new Error("no exec in a diagnosis");
      },
    };
    return { t, asked };
  }

  test("reads only the pods that are not Ready, by the workload's labels", async () => {
    const { t, asked } = transport([pod("old", true, false), pod("gone", false, true), pod("new", false)], {
      old: [UNHEALTHY],
      gone: [UNHEALTHY],
      new: [UNHEALTHY],
    });
    const r = await diagnoseRollout(t, "ns", { b: "2", a: "1" });
    expect(asked).toEqual(["ns a=1,b=2"]);
    expect(r.failure?.summary).toMatch(/in pod ns\/new:/);
  });

  test("no self-test event: no failure; an API error becomes a note, never a throw", async () => {
    expect((await diagnoseRollout(transport([pod("p", false)], {}).t, "ns", { a: "1" })).failure).toBeNull();
    const r = await diagnoseRollout(transport([], {}, new Error("HTTP 403: forbidden")).t, "ns", { a: "1" });
    expect(r).toEqual({ failure: null, note: "could not read the pods and events of ns (a=1): HTTP 403: forbidden" });
  });
});
