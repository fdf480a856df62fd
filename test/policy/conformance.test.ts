import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConformanceCase, mapCase, runConformance } from "../../policy/conformance";

const ROOT = path.join(__dirname, "..", "..");
const c = (extra: Partial<ConformanceCase>): ConformanceCase => ({
  file: "f.yaml",
  resource: "Pod/p",
  expect: "pass",
  rule: "*",
  params: {},
  ...extra,
});

describe("mapCase", () => {
  it.each([
    [
      "kyverno-policies",
      "disallow-capabilities",
      c({ params: { allowedCapabilities: ["CHOWN"] } }),
      ["capabilities", "ebpf-least-privilege"],
      { allowedCapabilities: ["CHOWN"] },
    ],
    [
      "kyverno-policies",
      "disallow-capabilities-strict",
      c({ rule: "require-drop-all", params: { requiredDropCapabilities: ["ALL"] } }),
      ["drop-all"],
      { requiredDropCapabilities: ["ALL"] },
    ],
    ["kyverno-policies", "restrict-seccomp", c({}), ["seccomp"], { allowUnsetProfile: true }],
    ["kyverno-policies", "restrict-seccomp-strict", c({}), ["seccomp"], { allowUnsetProfile: false }],
    [
      "gatekeeper-library",
      "seccomp",
      c({ params: { allowedProfiles: ["runtime/default", "localhost/profile.json"] } }),
      ["seccomp"],
      {
        allowedProfiles: ["RuntimeDefault", "Localhost"],
        allowedLocalhostFiles: ["profile.json"],
        allowUnsetProfile: false,
      },
    ],
    [
      "gatekeeper-library",
      "seccompv2",
      c({ params: { allowedProfiles: ["RuntimeDefault", "not configured"], exemptImages: ["x"] } }),
      ["seccomp"],
      { allowedProfiles: ["RuntimeDefault"], allowUnsetProfile: true, exemptImages: ["x"] },
    ],
    ["gatekeeper-library", "host-filesystem", c({ params: {} }), ["host-path"], { allowedHostPaths: [] }],
  ])("%s/%s", (source, policy, kase, rules, settings) => {
    const m = mapCase(source, policy, kase);
    expect("rules" in m && m.rules).toEqual(rules);
    expect("settings" in m && m.settings).toMatchObject(settings);
  });

  it("puts admission wrappers and unknown policies out of scope, with why", () => {
    expect(
      mapCase("gatekeeper-library", "privileged-containers", c({ wrapper: "AdmissionReview", operation: "UPDATE" })),
    ).toEqual({
      outOfScope: expect.stringMatching(/AdmissionReview with operation UPDATE: the Gatekeeper template skips UPDATE/),
    });
    expect(mapCase("kyverno-policies", "require-labels", c({}))).toEqual({
      outOfScope: expect.stringMatching(/no mapping for policy kyverno-policies\/require-labels/),
    });
  });
});

describe("conformance runner", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-"));
    const p = path.join(dir, "kyverno-policies", "disallow-privileged-containers");
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(
      path.join(p, "bad.yaml"),
      "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - {name: c, image: x, securityContext: {privileged: true}}\n",
    );
    fs.writeFileSync(
      path.join(p, "good.yaml"),
      "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  containers:\n  - {name: c, image: x}\n",
    );
    fs.writeFileSync(
      path.join(p, "cases.json"),
      JSON.stringify([
        { file: "bad.yaml", resource: "Pod/bad", expect: "fail", rule: "*", params: {} },
        { file: "good.yaml", resource: "Pod/good", expect: "pass", rule: "*", params: {} },
        // A wrong expectation: the runner must report it as a disagreement.
        { file: "good.yaml", resource: "Pod/good", expect: "fail", rule: "*", params: {} },
      ]),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("evaluates cases with our rules", () => {
    expect(runConformance(dir).map((r) => [r.resource, r.expect, r.got])).toEqual([
      ["Pod/bad", "fail", "fail"],
      ["Pod/good", "pass", "pass"],
      ["Pod/good", "fail", "pass"],
    ]);
  });

  it("the CLI lists disagreements and exits 1 below 100%, 2 on an unreadable DIR", () => {
    // tsx on the Node that runs jest (CI runs the suite on Node 20 and 24).
    const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const r = spawnSync(process.execPath, [tsx, path.join(ROOT, "cli", "conformance.ts"), dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/kyverno-policies\/disallow-privileged-containers +2\/3 +66\.7%/);
    expect(r.stdout).toContain("Total: 2/3 in-scope cases agree (66.7%)");
    expect(r.stdout).toMatch(/Disagreements: 1\n .*good\.yaml Pod\/good \[\*\]: expected fail, got pass/);
    const missing = spawnSync(
      process.execPath,
      [tsx, path.join(ROOT, "cli", "conformance.ts"), path.join(dir, "nope")],
      { encoding: "utf8" },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/DIR: ".*nope" is not accepted; expected a directory/);
  });
});
