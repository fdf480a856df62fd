import { container, pod, run } from "../testing";
import { runAsNonRoot } from "./runAsNonRoot";

describe("run-as-non-root", () => {
  it("is off unless configured", () => {
    expect(runAsNonRoot.defaultLevel).toBe("disabled");
  });

  it.each([
    ["pod true", pod([container()], { securityContext: { runAsNonRoot: true } }), {}, []],
    ["every container true", pod([container({ runAsNonRoot: true })]), {}, []],
    ["unset", pod([container()]), {}, ["c"]],
    [
      "container false overrides pod true",
      pod([container({ runAsNonRoot: false })], { securityContext: { runAsNonRoot: true } }),
      {},
      ["c"],
    ],
    [
      "pod false, containers true",
      pod([container({ runAsNonRoot: true })], { securityContext: { runAsNonRoot: false } }),
      {},
      ["(pod)"],
    ],
    [
      "initContainer unset",
      pod([container({ runAsNonRoot: true })], { initContainers: [container(undefined, { name: "i" })] }),
      {},
      ["i"],
    ],
    ["eBPF workload exempt", pod([container({ capabilities: { add: ["BPF"] } })]), {}, []],
    [
      "application container beside an exempt probe is checked",
      pod([container(undefined, { name: "app" }), container({ capabilities: { add: ["BPF"] } }, { name: "probe" })]),
      {},
      ["app"],
    ],
    [
      "pod-level true covers the app; the probe's own false is exempt",
      pod(
        [
          container(undefined, { name: "app" }),
          container({ runAsNonRoot: false, capabilities: { add: ["BPF", "PERFMON"] } }, { name: "probe" }),
        ],
        { securityContext: { runAsNonRoot: true } },
      ),
      {},
      [],
    ],
    [
      "eBPF workload checked when not exempt",
      pod([container({ capabilities: { add: ["BPF"] } })]),
      { exemptEbpfWorkloads: false },
      ["c"],
    ],
  ])("%s", (_name, obj, settings, who) => {
    const findings = run(runAsNonRoot, obj, settings);
    expect(findings.map((f) => f.container ?? "(pod)")).toEqual(who);
    for (const f of findings) expect(f.message).toMatch(/runAsNonRoot: true/);
  });
});
