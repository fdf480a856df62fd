import { container, pod, run } from "../testing";
import { hostNamespaces } from "./hostNamespaces";

describe("host-namespaces", () => {
  it.each([
    ["none", {}, []],
    ["all false", { hostNetwork: false, hostPID: false, hostIPC: false }, []],
    ["hostNetwork", { hostNetwork: true }, ["spec.hostNetwork"]],
    ["hostPID", { hostPID: true }, ["spec.hostPID"]],
    ["hostIPC", { hostIPC: true }, ["spec.hostIPC"]],
    [
      "all three",
      { hostNetwork: true, hostPID: true, hostIPC: true },
      ["spec.hostNetwork", "spec.hostPID", "spec.hostIPC"],
    ],
  ])("%s", (_name, spec, fields) => {
    const findings = run(hostNamespaces, pod([container()], spec));
    expect(findings.map((f) => f.field)).toEqual(fields);
    for (const f of findings) expect(f.message).toMatch(/set host(Network|PID|IPC): false/);
  });
});
