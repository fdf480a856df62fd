import { ClusterReport, exitStatus, reportText, runScenario } from "../../cluster/report";

const node = {
  kubernetesVersion: "v1.35.4",
  containerRuntime: "containerd://1.7.24",
  kernel: "6.12.117+deb13-cloud-amd64",
};
const probe = {
  grant: ["BPF", "PERFMON"],
  capEff: "000000c000000000",
  capBnd: "000000c000000000",
  noNewPrivs: 1,
  seccomp: 2,
};
const ok = (name: string) => ({ name, ok: true, seconds: 1.5, detail: "fine" });

describe("the cluster report", () => {
  test("exit 0 only when every scenario is ok, and at least one ran", () => {
    const all: ClusterReport = { node, probe, scenarios: [ok("a"), ok("b")] };
    expect(exitStatus(all)).toBe(0);
    expect(exitStatus({ ...all, scenarios: [ok("a"), { ...ok("b"), ok: false }] })).toBe(1);
    expect(exitStatus({ node: null, probe: null, scenarios: [] })).toBe(1);
  });

  test("the JSON shape of the interface", () => {
    const report: ClusterReport = { node, probe, scenarios: [ok("deployment-placement")] };
    expect(Object.keys(JSON.parse(JSON.stringify(report)))).toEqual(["node", "probe", "scenarios"]);
    expect(Object.keys(report.scenarios[0])).toEqual(["name", "ok", "seconds", "detail"]);
  });

  test("text: a line per scenario, the node, the probe and the count", () => {
    const text = reportText({ node, probe, scenarios: [ok("a"), { ...ok("b"), ok: false, detail: "boom" }] });
    expect(text).toContain("ok   a (1.5 s): fine");
    expect(text).toContain("FAIL b (1.5 s): boom");
    expect(text).toContain("CapEff 000000c000000000");
    expect(text).toContain("1 of 2 scenarios failed");
  });
});

describe("runScenario", () => {
  test("a body's detail and its time", async () => {
    let t = 1000;
    const r = await runScenario(
      "a",
      async () => ((t += 2500), "done"),
      () => t,
    );
    expect(r).toEqual({ name: "a", ok: true, seconds: 2.5, detail: "done" });
  });

  test("a throw is a failed scenario with the message as the detail", async () => {
    const r = await runScenario("b", async () => {
      throw new Error("pod never Ready");
    });
    expect(r).toMatchObject({ name: "b", ok: false, detail: "pod never Ready" });
  });
});
