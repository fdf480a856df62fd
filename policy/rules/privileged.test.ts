import { container, deployment, pod, run } from "../testing";
import { privileged } from "./privileged";

describe("privileged", () => {
  it.each([
    ["unset", pod([container()]), {}, []],
    ["false", pod([container({ privileged: false })]), {}, []],
    ["true", pod([container({ privileged: true })]), {}, ["spec.containers[0].securityContext.privileged"]],
    [
      "true in an initContainer",
      pod([container()], { initContainers: [container({ privileged: true }, { name: "init" })] }),
      {},
      ["spec.initContainers[0].securityContext.privileged"],
    ],
    [
      "true in an ephemeralContainer",
      pod([container()], { ephemeralContainers: [container({ privileged: true }, { name: "dbg" })] }),
      {},
      ["spec.ephemeralContainers[0].securityContext.privileged"],
    ],
    [
      "true in a Deployment",
      deployment([container({ privileged: true })]),
      {},
      ["spec.template.spec.containers[0].securityContext.privileged"],
    ],
    [
      "true but image exempt",
      pod([container({ privileged: true }, { image: "safe.example/x:1" })]),
      { exemptImages: ["safe.example/*"] },
      [],
    ],
    [
      "exemption is a prefix only with *",
      pod([container({ privileged: true }, { image: "safe.example/x:1" })]),
      { exemptImages: ["safe.example/"] },
      ["spec.containers[0].securityContext.privileged"],
    ],
  ])("%s", (_name, obj, settings, fields) => {
    const findings = run(privileged, obj, settings);
    expect(findings.map((f) => f.field)).toEqual(fields);
    for (const f of findings) expect(f.message).toMatch(/set privileged: false/);
  });
});
