import { container, deployment, pod, run } from "../testing";
import { ebpfHostUsers } from "./ebpfHostUsers";

const ebpf = () => container({ capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] } });

describe("ebpf-host-users", () => {
  it.each([
    ["eBPF pod, hostUsers unset", pod([ebpf()]), []],
    ["eBPF pod, hostUsers true", pod([ebpf()], { hostUsers: true }), []],
    ["eBPF pod, hostUsers false", pod([ebpf()], { hostUsers: false }), ["spec.hostUsers"]],
    ["eBPF Deployment, hostUsers false", deployment([ebpf()], { hostUsers: false }), ["spec.template.spec.hostUsers"]],
    [
      "non-eBPF pod, hostUsers false (a good idea there)",
      pod([container({ capabilities: { drop: ["ALL"] } })], { hostUsers: false }),
      [],
    ],
  ])("%s", (_name, obj, fields) => {
    const findings = run(ebpfHostUsers, obj);
    expect(findings.map((f) => f.field)).toEqual(fields);
    for (const f of findings) expect(f.message).toMatch(/operation not permitted.*remove hostUsers/);
  });
});
