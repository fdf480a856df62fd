import { container, pod, run } from "../testing";
import { privilegeEscalation } from "./privilegeEscalation";

describe("privilege-escalation", () => {
  it.each([
    ["false", [container({ allowPrivilegeEscalation: false })], {}, []],
    ["unset", [container()], {}, ["c"]],
    ["true", [container({ allowPrivilegeEscalation: true })], {}, ["c"]],
    ["one of two", [container({ allowPrivilegeEscalation: false }), container({}, { name: "b" })], {}, ["b"]],
    ["exempt image", [container({}, { image: "safe/x" })], { exemptImages: ["safe/x"] }, []],
  ])("%s", (_name, containers, settings, names) => {
    const findings = run(privilegeEscalation, pod(containers), settings);
    expect(findings.map((f) => f.container)).toEqual(names);
    for (const f of findings) expect(f.message).toMatch(/set allowPrivilegeEscalation: false/);
  });

  it("checks initContainers and ephemeralContainers", () => {
    const obj = pod([container({ allowPrivilegeEscalation: false })], {
      initContainers: [container({}, { name: "i" })],
      ephemeralContainers: [container({}, { name: "e" })],
    });
    expect(run(privilegeEscalation, obj).map((f) => f.field)).toEqual([
      "spec.initContainers[0].securityContext.allowPrivilegeEscalation",
      "spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation",
    ]);
  });
});
