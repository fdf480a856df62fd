/**
 * The rule registry (policy/rules/index.ts): every rule file is registered, carries the version it
 * appeared in, and is shown to fire by a fixture generated from one minimal compliant pod, changed
 * in the one way the rule forbids. A rule without such a fixture fails this test.
 */
import * as fs from "fs";
import * as path from "path";
import { defaultConfig, pinRulesVersion } from "../../policy/config";
import { RULES, RULE_NAMES, parseRuleVersion, rulesAt } from "../../policy/rules";
import { Container, deployment, run } from "../../policy/testing";
import type { KubeObject, Rule } from "../../policy/types";

const RULES_DIR = path.join(__dirname, "..", "..", "policy", "rules");
const PACKAGE_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
).version;
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** A Deployment every rule accepts: the pod the fixtures start from. */
function minimalPod(): { object: KubeObject; container: Container; spec: Record<string, unknown> } {
  const container: Container = {
    name: "app",
    image: `registry.example/app@${DIGEST}`,
    imagePullPolicy: "IfNotPresent",
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
  const object = deployment([container]);
  const spec = (object.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  return { object, container, spec };
}

type Mutation = (p: ReturnType<typeof minimalPod>) => void;
const securityContext = (c: Container) => c.securityContext as Record<string, unknown>;
const addCapabilities = (c: Container, add: string[]) => (securityContext(c).capabilities = { drop: ["ALL"], add });

/** For each rule, the one change to the minimal pod that it must report. */
const FAILING: Record<string, Mutation> = {
  "ebpf-least-privilege": ({ container }) => addCapabilities(container, ["BPF", "PERFMON", "SYS_ADMIN"]),
  "ebpf-host-users": ({ container, spec }) => {
    addCapabilities(container, ["BPF", "PERFMON"]);
    spec.hostUsers = false;
  },
  "ebpf-tolerations": ({ container, spec }) => {
    addCapabilities(container, ["BPF", "PERFMON"]);
    spec.tolerations = [{ operator: "Exists" }];
  },
  capabilities: ({ container }) => addCapabilities(container, ["NET_ADMIN"]),
  "drop-all": ({ container }) => (securityContext(container).capabilities = { drop: [] }),
  privileged: ({ container }) => (securityContext(container).privileged = true),
  "privilege-escalation": ({ container }) => (securityContext(container).allowPrivilegeEscalation = true),
  "host-namespaces": ({ spec }) => (spec.hostNetwork = true),
  "host-path": ({ container, spec }) => {
    spec.volumes = [{ name: "etc", hostPath: { path: "/etc" } }];
    container.volumeMounts = [{ name: "etc", mountPath: "/host/etc", readOnly: true }];
  },
  "unused-volumes": ({ spec }) => (spec.volumes = [{ name: "scratch", emptyDir: {} }]),
  seccomp: ({ container }) => (securityContext(container).seccompProfile = { type: "Unconfined" }),
  "run-as-non-root": ({ container }) => (securityContext(container).runAsNonRoot = false),
  "image-digest": ({ container }) => (container.image = "registry.example/app:1.0"),
  "image-pull-policy": ({ container }) => (container.image = "registry.example/app:1.0"),
  "acs-compute-labels": ({ object }) => {
    const template = (object.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
    template.metadata.labels["alibabacloud.com/compute-class"] = "not-a-class";
  },
};

/** Every export of a rule file that is a rule. */
function rulesIn(file: string): Rule[] {
  const exported: Record<string, unknown> = require(path.join(RULES_DIR, file));
  return Object.values(exported).filter(
    (v): v is Rule => typeof v === "object" && v !== null && "check" in v && "name" in v,
  );
}

describe("the rule registry", () => {
  const files = fs
    .readdirSync(RULES_DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts");

  test.each(files)("%s: its rule is registered, with a test beside it", (file) => {
    const rules = rulesIn(file);
    expect(rules.map((r) => r.name)).toHaveLength(1);
    expect(RULES).toContain(rules[0]);
    expect(fs.existsSync(path.join(RULES_DIR, file.replace(/\.ts$/, ".test.ts")))).toBe(true);
  });

  test("every registered rule comes from a rule file, once", () => {
    expect(new Set(RULE_NAMES).size).toBe(RULES.length);
    expect(RULES.length).toBe(files.length);
  });

  test.each(RULES.map((r) => [r.name, r] as const))(
    "%s carries a release version no later than the package's",
    (_n, rule) => {
      expect(parseRuleVersion(rule.since)).toBeDefined();
      expect(rulesAt(PACKAGE_VERSION)).toContain(rule);
    },
  );

  test("the minimal pod passes every rule", () => {
    const { object } = minimalPod();
    expect(RULES.map((r) => ({ rule: r.name, findings: run(r, object, { kernel: "6.12.0" }) }))).toEqual(
      RULES.map((r) => ({ rule: r.name, findings: [] })),
    );
  });

  test("every rule has a failing fixture", () => {
    expect(Object.keys(FAILING).sort()).toEqual([...RULE_NAMES].sort());
  });

  test.each(RULES.map((r) => [r.name, r] as const))("%s reports its failing fixture", (name, rule) => {
    const pod = minimalPod();
    FAILING[name](pod);
    expect(run(rule, pod.object, { kernel: "6.12.0" }).length).toBeGreaterThanOrEqual(1);
  });
});

describe("pinning the rules to a version", () => {
  const ruleSince = (since: string): Rule => ({ ...RULES[0], name: `since-${since}`, since });
  const versions = ["0.1.0", "0.2.0", "0.9.3", "0.10.0", "1.0.0"];
  const rules = versions.map(ruleSince);

  test("the package's own version keeps every rule", () => {
    expect(rulesAt(PACKAGE_VERSION)).toEqual(RULES);
  });

  test.each([
    ["0.0.9", []],
    ["0.1.0", ["0.1.0"]],
    ["0.9.3", ["0.1.0", "0.2.0", "0.9.3"]],
    ["0.10.0", ["0.1.0", "0.2.0", "0.9.3", "0.10.0"]],
    ["2.0.0", versions],
  ])("pinned to %s: the rules that appeared at or before it (numbers, not text)", (pin, kept) => {
    expect(rulesAt(pin as string, "rulesVersion", rules).map((r) => r.since)).toEqual(kept);
  });

  test.each(["", "1", "1.2", "v0.1.0", "0.1.0-rc1", "latest"])("%j is refused, naming the input", (bad) => {
    expect(() => rulesAt(bad, "--rules-version")).toThrow(
      /^--rules-version: .* expected a release version such as 0\.1\.0/,
    );
  });
});

describe("pinRulesVersion", () => {
  test("disables the rules the pinned version did not have, and keeps the others' settings", () => {
    const config = defaultConfig();
    expect(pinRulesVersion(config, PACKAGE_VERSION)).toEqual(config);
    const none = pinRulesVersion(config, "0.0.1");
    expect(Object.values(none).map((r) => r.level)).toEqual(
      Object.entries(config).map(([name, r]) => (RULE_NAMES.includes(name) ? "disabled" : r.level)),
    );
    expect(Object.values(none).map((r) => r.settings)).toEqual(Object.values(config).map((r) => r.settings));
  });
});
