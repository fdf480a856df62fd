import { container, pod, run } from "../testing";
import { dropAll } from "./dropAll";

const drops = (drop?: unknown[]) => container(drop === undefined ? undefined : { capabilities: { drop } });

describe("drop-all", () => {
  it.each([
    ["drops ALL", [drops(["ALL"])], {}, 0],
    ["drops all (lowercase)", [drops(["all"])], {}, 0],
    ["drops nothing", [drops()], {}, 1],
    ["drops some", [drops(["NET_RAW", "CHOWN"])], {}, 1],
    ["one container of two", [drops(["ALL"]), { ...drops(), name: "b" }], {}, 1],
    [
      "required list satisfied without ALL",
      [drops(["NET_RAW", "cap_chown"])],
      { requiredDropCapabilities: ["NET_RAW", "CHOWN"] },
      0,
    ],
    ["required list not satisfied", [drops(["NET_RAW"])], { requiredDropCapabilities: ["NET_RAW", "CHOWN"] }, 1],
    ["exempt image", [{ ...drops(), image: "ok/x" }], { exemptImages: ["ok/x"] }, 0],
  ])("%s", (_name, containers, settings, count) => {
    const findings = run(dropAll, pod(containers), settings);
    expect(findings).toHaveLength(count);
    for (const f of findings) {
      expect(f.field).toMatch(/securityContext\.capabilities\.drop$/);
      expect(f.message).toMatch(/set capabilities\.drop: \[ALL\]/);
    }
  });

  it("names what is missing", () => {
    expect(
      run(dropAll, pod([drops(["NET_RAW"])]), { requiredDropCapabilities: ["NET_RAW", "CHOWN"] })[0].message,
    ).toMatch(/does not drop CHOWN \(drops NET_RAW\)/);
  });
});
