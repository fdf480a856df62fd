import { container, deployment, pod, run } from "../testing";
import { seccomp } from "./seccomp";

const profile = (type: string, localhostProfile?: string) => ({
  seccompProfile: { type, ...(localhostProfile ? { localhostProfile } : {}) },
});

describe("seccomp", () => {
  it.each([
    ["pod RuntimeDefault", pod([container()], { securityContext: profile("RuntimeDefault") }), {}, []],
    ["container RuntimeDefault", pod([container(profile("RuntimeDefault"))]), {}, []],
    ["unset", pod([container()]), {}, ["c"]],
    ["unset allowed (baseline)", pod([container()]), { allowUnsetProfile: true }, []],
    ["container Unconfined", pod([container(profile("Unconfined"))]), { allowUnsetProfile: true }, ["c"]],
    ["pod Unconfined", pod([container()], { securityContext: profile("Unconfined") }), {}, ["(pod)"]],
    [
      "pod Unconfined overridden by containers still reported",
      pod([container(profile("RuntimeDefault"))], { securityContext: profile("Unconfined") }),
      {},
      ["(pod)"],
    ],
    [
      "container overrides an allowed pod profile with Unconfined",
      pod([container(profile("Unconfined"))], { securityContext: profile("RuntimeDefault") }),
      {},
      ["c"],
    ],
    ["Localhost any file", pod([container(profile("Localhost", "p.json"))]), {}, []],
    [
      "Localhost file not allowed",
      pod([container(profile("Localhost", "p.log"))]),
      { allowedLocalhostFiles: ["p.json"] },
      ["c"],
    ],
    [
      "deprecated pod annotation runtime/default",
      pod([container()], {}, { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "runtime/default" } }),
      {},
      [],
    ],
    [
      "deprecated container annotation unconfined",
      pod([container()], {}, { annotations: { "container.seccomp.security.alpha.kubernetes.io/c": "unconfined" } }),
      {},
      ["c"],
    ],
    [
      "Deployment template annotation",
      deployment([container()], {}, { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "docker/default" } }),
      {},
      [],
    ],
    [
      "ephemeral container without a profile",
      pod([container(profile("RuntimeDefault"))], { ephemeralContainers: [container(undefined, { name: "e" })] }),
      {},
      ["e"],
    ],
    [
      "Unconfined allowed when configured",
      pod([container(profile("Unconfined"))]),
      { allowedProfiles: ["RuntimeDefault", "Unconfined"] },
      [],
    ],
    ["exempt image", pod([container(undefined, { image: "x" })]), { exemptImages: ["x"] }, []],
  ])("%s", (_name, obj, settings, who) => {
    const findings = run(seccomp, obj, settings);
    expect(findings.map((f) => f.container ?? "(pod)")).toEqual(who);
    for (const f of findings) expect(f.message).toMatch(/seccompProfile\.type: RuntimeDefault/);
  });
});
