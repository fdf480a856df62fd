import { ANNOTATIONS } from "../../core/workload";
import { container, pod, run } from "../testing";
import { capabilities } from "./capabilities";

const adds = (add: string[], extra: Record<string, unknown> = {}) => container({ capabilities: { add } }, extra);

describe("capabilities", () => {
  it.each([
    ["nothing added", [container()], {}, []],
    ["baseline names", [adds(["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"])], {}, []],
    ["NET_RAW is outside baseline", [adds(["NET_RAW"])], {}, ["add[0]"]],
    ["lowercase is the same name", [adds(["chown"])], {}, []],
    ["CAP_ prefix: allowed name, runtime-dependent spelling", [adds(["CAP_CHOWN"])], {}, ["add[0]"]],
    ["CAP_ prefix: disallowed name", [adds(["CAP_NET_RAW"])], {}, ["add[0]"]],
    ["ALL", [adds(["ALL"])], {}, ["add[0]"]],
    [
      "custom allow-list",
      [adds(["NET_BIND_SERVICE", "CHOWN"])],
      { allowedCapabilities: ["NET_BIND_SERVICE"] },
      ["add[1]"],
    ],
    ["* allows any", [adds(["NET_ADMIN", "ALL"])], { allowedCapabilities: ["*"] }, []],
    ["empty allow-list", [adds(["CHOWN"])], { allowedCapabilities: [] }, ["add[0]"]],
    ["exempt image", [adds(["NET_RAW"], { image: "trusted/x:1" })], { exemptImages: ["trusted/*"] }, []],
  ])("%s", (_name, containers, settings, flagged) => {
    const findings = run(capabilities, pod(containers), settings);
    expect(findings.map((f) => f.field.replace(/.*\./, ""))).toEqual(flagged);
  });

  it("leaves probe containers (adding BPF, PERFMON or SYS_ADMIN) to ebpf-least-privilege", () => {
    expect(run(capabilities, pod([adds(["BPF", "NET_ADMIN"])]))).toEqual([]);
    expect(run(capabilities, pod([adds(["SYS_ADMIN", "SYS_PTRACE"])]))).toEqual([]);
  });

  it.each([
    [
      "an application container beside a probe",
      pod([adds(["NET_ADMIN"], { name: "app" }), adds(["BPF", "PERFMON"], { name: "probe" })]),
      ["app"],
    ],
    [
      "eBPF annotations alone make no container a probe",
      pod([adds(["NET_ADMIN"])], {}, { annotations: { [ANNOTATIONS.probeKinds]: "tc" } }),
      ["c"],
    ],
    [
      "BPF on a container the pod does not declare as its probe",
      pod(
        [adds(["BPF"], { name: "app" }), adds(["BPF", "PERFMON"], { name: "ebpf-probe" })],
        {},
        { annotations: { [ANNOTATIONS.probeContainers]: "ebpf-probe" } },
      ),
      ["app"],
    ],
    [
      "the declared probe itself",
      pod(
        [adds(["BPF", "PERFMON"], { name: "ebpf-probe" })],
        {},
        { annotations: { [ANNOTATIONS.probeContainers]: "ebpf-probe" } },
      ),
      [],
    ],
  ])("judges application containers: %s", (_name, obj, flagged) => {
    expect(run(capabilities, obj).map((f) => f.container)).toEqual(flagged);
  });

  it("says which names are allowed and what to do", () => {
    const [f] = run(capabilities, pod([adds(["NET_RAW"])], { initContainers: [] }));
    expect(f.message).toMatch(/adds NET_RAW, which is not on the allow-list \(AUDIT_WRITE, .*\); remove it/);
    const [g] = run(capabilities, pod([adds(["CAP_CHOWN"])]));
    expect(g.message).toMatch(/CAP_CAP_CHOWN.*write CHOWN/);
  });
});
