/**
 * `npm run review` as a user runs it: a child process (tsx cli/review.ts), its exit code, its JSON
 * and its table.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const ROOT = path.join(__dirname, "..", "..");
// tsx on the Node that runs jest (CI runs the suite on Node 20 and 24).
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const VENDOR = path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | object[]): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === "string" ? content : content.map((o) => yaml.dump(o)).join("---\n"));
  return file;
}

function review(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TSX_CLI, path.join(ROOT, "cli", "review.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function reviewJson(...args: string[]) {
  const r = review("--json", ...args);
  return {
    ...r,
    json: JSON.parse(r.stdout) as { violations: Record<string, unknown>[]; errors: Record<string, unknown>[] },
  };
}

const digest = "sha256:" + "c".repeat(64);
/** A compliant container and pod spec (no violation from any default rule). */
const goodContainer = {
  name: "app",
  image: `reg.example/app@${digest}`,
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};
const badContainer = { name: "app", image: `reg.example/app@${digest}`, securityContext: { privileged: true } };
const podSpec = (c: object) => ({ containers: [c] });
const template = (c: object) => ({ metadata: { labels: { app: "x" } }, spec: podSpec(c) });

/** Every pod-bearing kind, with the container in its pod template. */
function everyKind(c: object): object[] {
  return [
    { apiVersion: "v1", kind: "Pod", metadata: { name: "pod" }, spec: podSpec(c) },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "deploy" },
      spec: { selector: { matchLabels: { app: "x" } }, template: template(c) },
    },
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "rs" },
      spec: { selector: { matchLabels: { app: "x" } }, template: template(c) },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "sts" },
      spec: { serviceName: "x", selector: { matchLabels: { app: "x" } }, template: template(c) },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "ds" },
      spec: { selector: { matchLabels: { app: "x" } }, template: template(c) },
    },
    { apiVersion: "batch/v1", kind: "Job", metadata: { name: "job" }, spec: { template: template(c) } },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "cron" },
      spec: { schedule: "* * * * *", jobTemplate: { spec: { template: template(c) } } },
    },
  ];
}

describe("npm run review", () => {
  it("exits 1 on the vendor Deployment, with the JSON shape of the issue", () => {
    const { status, json } = reviewJson(VENDOR);
    expect(status).toBe(1);
    expect(Object.keys(json).sort()).toEqual(["errors", "violations"]);
    expect(json.errors).toEqual([]);
    for (const v of json.violations) {
      expect(Object.keys(v).sort()).toEqual([
        "column",
        "container",
        "field",
        "file",
        "level",
        "line",
        "message",
        "resource",
        "rule",
      ]);
      expect(v.file).toBe(VENDOR);
      expect(v.resource).toBe("Deployment/acs-test-ebpf-demo");
      expect(["mandatory", "advisory"]).toContain(v.level);
    }
    const least = json.violations
      .filter((v) => v.rule === "ebpf-least-privilege")
      .map((v) => /adds (\w+),/.exec(String(v.message))![1]);
    expect(least).toEqual(["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "IPC_LOCK", "SYSLOG"]);
    expect(json.violations.filter((v) => v.rule === "host-path")).toEqual([
      expect.objectContaining({
        container: null,
        level: "mandatory",
        message: expect.stringContaining("/sys/kernel/debug"),
      }),
    ]);
  });

  it("exits 0 when only advisory violations remain", () => {
    const file = write("advisory.yaml", [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: podSpec({ ...goodContainer, image: "reg.example/app:1", imagePullPolicy: "Always" }),
      },
    ]);
    const { status, json } = reviewJson(file);
    expect(status).toBe(0);
    expect(json.violations.map((v) => [v.rule, v.level])).toEqual([["image-digest", "advisory"]]);
  });

  it("reviews every pod-bearing kind", () => {
    const good = reviewJson(write("kinds-good.yaml", everyKind(goodContainer)));
    expect(good.status).toBe(0);
    expect(good.json.violations).toEqual([]);
    const bad = reviewJson(write("kinds-bad.yaml", everyKind(badContainer)));
    expect(bad.status).toBe(1);
    const privileged = bad.json.violations.filter((v) => v.rule === "privileged");
    expect(privileged.map((v) => v.resource)).toEqual([
      "Pod/pod",
      "Deployment/deploy",
      "ReplicaSet/rs",
      "StatefulSet/sts",
      "DaemonSet/ds",
      "Job/job",
      "CronJob/cron",
    ]);
    expect(privileged.map((v) => String(v.message).split(":")[0])).toEqual([
      "spec.containers[0].securityContext.privileged",
      ...Array(5).fill("spec.template.spec.containers[0].securityContext.privileged"),
      "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
    ]);
  });

  it("reviews List items, initContainers and ephemeralContainers", () => {
    const list = {
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "a" },
          spec: { initContainers: [{ ...badContainer, name: "init" }], containers: [goodContainer] },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "b" },
          spec: { containers: [goodContainer], ephemeralContainers: [{ ...badContainer, name: "debug" }] },
        },
      ],
    };
    const { status, json } = reviewJson(write("list.yaml", [list]));
    expect(status).toBe(1);
    expect(json.violations.filter((v) => v.rule === "privileged").map((v) => [v.resource, v.container])).toEqual([
      ["Pod/a", "init"],
      ["Pod/b", "debug"],
    ]);
  });

  it("skips non-Kubernetes YAML with a note", () => {
    const file = write(
      "mixed.yaml",
      "title: not kubernetes\n---\n- a\n- b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    const r = reviewJson(file);
    expect(r.status).toBe(0);
    expect(r.json).toEqual({ violations: [], errors: [] });
    expect(r.stderr).toContain("document 1: skipped, not a Kubernetes object");
    expect(r.stderr).toContain("document 2: skipped, not a Kubernetes object (a sequence)");
    expect(r.stderr).toContain("document 3: ConfigMap has no pod template");
    const table = review(file);
    expect(table.stdout).toMatch(/note .*document 1: skipped, not a Kubernetes object/);
  });

  it("reports empty files and folders without YAML as notes, not errors", () => {
    const empty = write("empty.yaml", "");
    fs.mkdirSync(path.join(dir, "no-yaml"), { recursive: true });
    fs.writeFileSync(path.join(dir, "no-yaml", "README.txt"), "x");
    const r = reviewJson(empty, path.join(dir, "no-yaml"));
    expect(r.status).toBe(0);
    expect(r.json).toEqual({ violations: [], errors: [] });
    expect(r.stderr).toContain("empty.yaml: empty, nothing to review");
    expect(r.stderr).toContain("no .yaml, .yml or .json files");
  });

  it("exits 2 on malformed YAML and a missing path, and still reviews the other inputs", () => {
    const malformed = write("broken/bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n");
    const missing = path.join(dir, "does-not-exist.yaml");
    const { status, json } = reviewJson(malformed, missing, VENDOR);
    expect(status).toBe(2);
    expect(json.errors).toEqual([
      { file: malformed, line: 4, message: expect.stringMatching(/^not valid YAML: deficient indentation \(4:1\)/) },
      { file: missing, message: "cannot read: no such file or directory" },
    ]);
    // The other input is reviewed as fully as on its own.
    expect(json.violations).toEqual(reviewJson(VENDOR).json.violations);
    expect(json.violations.length).toBeGreaterThan(0);
  });

  it("reviews folders recursively", () => {
    const sub = path.join(dir, "tree");
    write("tree/a/one.yml", everyKind(goodContainer).slice(0, 1));
    write("tree/b/two.yaml", everyKind(badContainer).slice(1, 2));
    const { status, json } = reviewJson(sub);
    expect(status).toBe(1);
    expect(new Set(json.violations.map((v) => path.relative(sub, String(v.file))))).toEqual(
      new Set([path.join("b", "two.yaml")]),
    );
  });

  it("takes levels and settings from --config, and rejects a bad one with exit 2", () => {
    const config = write("config.yaml", "privileged: advisory\nebpf-least-privilege:\n  kernel: 6.6.71\n");
    const r = reviewJson(
      "--config",
      config,
      write("cfg-pod.yaml", [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: podSpec(badContainer) }]),
    );
    expect(r.json.violations.filter((v) => v.rule === "privileged").map((v) => v.level)).toEqual(["advisory"]);
    const bad = review(
      "--config",
      write("bad-config.yaml", "privileged: sometimes\nunknown-rule: mandatory\n"),
      VENDOR,
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      'privileged: "sometimes" is not accepted; expected one of: mandatory, advisory, remediate, disabled',
    );
    expect(bad.stderr).toContain('rule: "unknown-rule" is not accepted; expected one of: ebpf-least-privilege');
  });

  it("prints a table for people", () => {
    const { status, stdout } = review(VENDOR);
    expect(status).toBe(1);
    expect(stdout).toMatch(
      /^MANDATORY ebpf-least-privilege +.*vendor-deployment\.yaml:35 {2}Deployment\/acs-test-ebpf-demo {2}container ebpf-demo$/m,
    );
    expect(stdout).toMatch(
      /1 workload\(s\) reviewed: 10 mandatory and 2 advisory violation\(s\), 0 input error\(s\)\./,
    );
  });

  it("exits 2 with usage when no path is given or an option is unknown", () => {
    expect(review().status).toBe(2);
    const r = review("--yaml", VENDOR);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option --yaml");
  });
});

describe("--rules-version pins the rules", () => {
  test("the package's version reviews with every rule; a version before any rule reviews with none", () => {
    const version: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    const current = reviewJson("--rules-version", version, VENDOR);
    expect(current.status).toBe(1);
    expect(current.json.violations.length).toBeGreaterThanOrEqual(5);
    const before = reviewJson("--rules-version", "0.0.1", VENDOR);
    expect(before.json.violations).toEqual([]);
    expect(before.status).toBe(0);
  });

  test("a malformed version is refused with exit 2, naming the flag and what is accepted", () => {
    const r = review("--rules-version", "latest", VENDOR);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^--rules-version: "latest" is not accepted; expected a release version such as 0\.1\.0/);
  });
});
