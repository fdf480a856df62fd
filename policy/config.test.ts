import { InputErrors } from "../core/errors";
import { defaultConfig, parseReviewConfig } from "./config";
import { RULES } from "./rules";

describe("parseReviewConfig", () => {
  it("defaults every rule to its level with no settings", () => {
    expect(parseReviewConfig(undefined)).toEqual(defaultConfig());
    for (const r of RULES) expect(defaultConfig()[r.name]).toEqual({ level: r.defaultLevel, settings: {} });
  });

  it("takes pack-style levels, settings and `all`", () => {
    const c = parseReviewConfig({
      all: "advisory",
      privileged: "mandatory",
      "host-path": { enforcementLevel: "remediate", allowedHostPaths: [{ pathPrefix: "/data", readOnly: true }] },
      "ebpf-least-privilege": { kernel: "6.6.71" },
      "ebpf-verification": "disabled",
    });
    expect(c.privileged.level).toBe("mandatory");
    expect(c.seccomp.level).toBe("advisory");
    expect(c["host-path"]).toEqual({
      level: "remediate",
      settings: { allowedHostPaths: [{ pathPrefix: "/data", readOnly: true }] },
    });
    expect(c["ebpf-least-privilege"].settings).toEqual({ kernel: "6.6.71" });
  });

  it.each([
    [[], /policy config: \[\] is not accepted; expected a mapping/],
    [
      { privilegd: "mandatory" },
      /rule: "privilegd" is not accepted; expected one of: ebpf-least-privilege, ebpf-host-users, ebpf-tolerations, capabilities/,
    ],
    [
      { privileged: "strict" },
      /privileged: "strict" is not accepted; expected one of: mandatory, advisory, remediate, disabled/,
    ],
    [{ privileged: { enforcementLevel: 1 } }, /privileged\.enforcementLevel: 1 is not accepted/],
    [
      { privileged: { exemptImages: [1] } },
      /privileged\.exemptImages: \[1\] is not accepted; expected a list of strings/,
    ],
    [
      { "host-namespaces": { exemptImages: ["x"] } },
      /host-namespaces\.exemptImages.*expected no settings \(host-namespaces takes only enforcementLevel\)/,
    ],
    [
      { seccomp: { allowedProfiles: ["runtime/default"] } },
      /seccomp\.allowedProfiles: \["runtime\/default"\] is not accepted; expected a list, each one of: RuntimeDefault, Localhost, Unconfined/,
    ],
    [
      { seccomp: { allowUnsetProfile: "yes" } },
      /seccomp\.allowUnsetProfile: "yes" is not accepted; expected true or false/,
    ],
    [
      { "host-path": { allowedHostPaths: [{ pathPrefix: "relative" }] } },
      /host-path\.allowedHostPaths.*pathPrefix: "\/absolute\/path"/,
    ],
    [{ "ebpf-least-privilege": { kernel: "five" } }, /ebpf-least-privilege\.kernel: "five" is not accepted/],
  ])("rejects %j naming the key, the value and what is accepted", (raw, message) => {
    expect(() => parseReviewConfig(raw)).toThrow(message);
  });

  it("reports every bad value at once", () => {
    try {
      parseReviewConfig({ privileged: "x", seccomp: "y" }, "team.yaml");
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(InputErrors);
      expect((e as InputErrors).errors.map((x) => x.input)).toEqual(["team.yaml: privileged", "team.yaml: seccomp"]);
    }
  });
});
