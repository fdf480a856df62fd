import { container, deployment, pod, run } from "../testing";
import { ebpfTolerations } from "./ebpfTolerations";

const ebpf = () => container({ capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] } });
const app = () => container({ capabilities: { drop: ["ALL"] } });

describe("ebpf-tolerations", () => {
  it.each([
    ["no tolerations", pod([ebpf()]), []],
    [
      "a taint by key",
      pod([ebpf()], {
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
      }),
      [],
    ],
    [
      "a key and value",
      pod([ebpf()], { tolerations: [{ key: "pool", operator: "Equal", value: "tracing", effect: "NoSchedule" }] }),
      [],
    ],
    ["every taint", pod([ebpf()], { tolerations: [{ operator: "Exists" }] }), ["spec.tolerations[0]"]],
    [
      "every NoSchedule taint, with an empty key",
      deployment([ebpf()], {
        tolerations: [
          { key: "pool", operator: "Exists" },
          { key: "", operator: "Exists", effect: "NoSchedule" },
        ],
      }),
      ["spec.template.spec.tolerations[1]"],
    ],
    ["every taint, but not an eBPF workload", pod([app()], { tolerations: [{ operator: "Exists" }] }), []],
    ["not a list", pod([ebpf()], { tolerations: "Exists" }), []],
  ])("%s", (_name, obj, fields) => {
    expect(run(ebpfTolerations, obj).map((f) => f.field)).toEqual(fields);
  });

  it("names the effect and what to write instead", () => {
    const [all] = run(ebpfTolerations, pod([ebpf()], { tolerations: [{ operator: "Exists" }] }));
    expect(all.message).toMatch(
      /^tolerates every taint \(operator Exists without a key\).*control-plane.*name the taints/,
    );
    const [noExecute] = run(
      ebpfTolerations,
      pod([ebpf()], { tolerations: [{ operator: "Exists", effect: "NoExecute" }] }),
    );
    expect(noExecute.message).toMatch(/^tolerates every taint with effect NoExecute /);
  });
});
