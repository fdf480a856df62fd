/**
 * `npm run review` in pipelines: standard input, SARIF 2.1.0 (validated against the schema with
 * ajv), JUnit XML, and the line of each offending field.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { RULES } from "../../policy/rules";

const ROOT = path.join(__dirname, "..", "..");
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const VENDOR = path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml");
const VENDOR_TEXT = fs.readFileSync(VENDOR, "utf8");
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, "sarif", "sarif-2.1.0.json"), "utf8"));

function review(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [TSX_CLI, path.join(ROOT, "cli", "review.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validateSarif = ajv.compile(SCHEMA);

const digest = "sha256:" + "c".repeat(64);
/** What `helm template` prints: a comment, `---` separators, a Source header, a List, non-Kubernetes YAML. */
const HELM_STREAM = `# Source: chart/templates/deployment.yaml
---
${VENDOR_TEXT.split("\n")
  .filter((l) => !l.startsWith("#"))
  .join("\n")}
---
# Source: chart/templates/values-note.yaml
note: not a Kubernetes object
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: good
    spec:
      containers:
        - name: app
          image: reg.example/app@${digest}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: { drop: [ALL] }
            seccompProfile: { type: RuntimeDefault }
  - apiVersion: v1
    kind: Pod
    metadata:
      name: bad
    spec:
      containers:
        - name: app
          image: reg.example/app@${digest}
          securityContext:
            privileged: true
---
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-formats-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type SarifLog = {
  runs: {
    tool: {
      driver: {
        rules: {
          id: string;
          shortDescription: { text: string };
          help: { text: string; markdown: string };
          helpUri?: string;
          defaultConfiguration: { level: string; enabled?: boolean };
        }[];
      };
    };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
    }[];
    invocations: {
      executionSuccessful: boolean;
      exitCode: number;
      toolExecutionNotifications: { message: { text: string } }[];
    }[];
  }[];
};

describe("standard input", () => {
  test("`-` reads a helm template stream: comments, ---, a List, non-Kubernetes documents", () => {
    const r = review(["--json", "-"], HELM_STREAM);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout) as {
      violations: { file: string; resource: string; rule: string; line: number }[];
    };
    expect(new Set(json.violations.map((v) => v.file))).toEqual(new Set(["<stdin>"]));
    expect(new Set(json.violations.map((v) => v.resource))).toEqual(
      new Set(["Deployment/acs-test-ebpf-demo", "Pod/bad"]),
    );
    expect(r.stderr).toContain("<stdin>: document 2: skipped, not a Kubernetes object");
    const lines = HELM_STREAM.split("\n");
    const privileged = json.violations.find((v) => v.rule === "privileged")!;
    expect(lines[privileged.line - 1]).toMatch(/^\s+privileged: true$/);
  });

  test("--stdin-name names the stream; an empty stream is reviewed as empty", () => {
    const named = review(["--json", "--stdin-name", "chart/rendered.yaml", "-"], HELM_STREAM);
    expect(JSON.parse(named.stdout).violations[0].file).toBe("chart/rendered.yaml");
    const empty = review(["--json", "-"], "");
    expect(empty.status).toBe(0);
    expect(empty.stderr).toContain("<stdin>: empty, nothing to review");
  });
});

describe("SARIF 2.1.0", () => {
  function sarif(args: string[], input?: string): { status: number | null; log: SarifLog } {
    const r = review(["--format", "sarif", ...args], input);
    return { status: r.status, log: JSON.parse(r.stdout) as SarifLog };
  }

  test("validates against the SARIF 2.1.0 schema, with input errors as notifications; exit codes stay 0/1/2", () => {
    const malformed = path.join(dir, "malformed.yaml");
    fs.writeFileSync(malformed, "apiVersion: v1\nkind: Pod\nkind: Pod\n");
    const withError = sarif(["--readme-url", "https://example.invalid/acs-ebpf/docs/policy.md", VENDOR, malformed]);
    expect(validateSarif(withError.log)).toBe(true);
    expect(withError.status).toBe(2);
    expect(withError.log.runs[0].invocations[0]).toMatchObject({ executionSuccessful: false, exitCode: 2 });
    expect(withError.log.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toContain(
      "duplicated mapping key",
    );
    const mandatory = sarif([VENDOR]);
    expect(validateSarif(mandatory.log)).toBe(true);
    expect(mandatory.status).toBe(1);
    const clean = sarif(["-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    expect(validateSarif(clean.log)).toBe(true);
    expect(clean.status).toBe(0);
    expect(clean.log.runs[0].results).toEqual([]);
  });

  test("the schema check can fail: a result with an unknown level is rejected", () => {
    const { log } = sarif([VENDOR]);
    (log.runs[0].results[0] as { level: string }).level = "fatal";
    expect(validateSarif(log)).toBe(false);
  });

  test("one rule per policy rule: id, short description, help with a link to the rule table, default level", () => {
    const { log } = sarif(["--readme-url", "https://example.invalid/acs-ebpf/docs/policy.md", VENDOR]);
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.name));
    for (const [i, rule] of RULES.entries()) {
      const d = rules[i];
      expect(d.shortDescription.text).toBe(rule.description);
      expect(d.helpUri).toBe(`https://example.invalid/acs-ebpf/docs/policy.md#rule-${rule.name}`);
      expect(d.help.markdown).toContain(`(https://example.invalid/acs-ebpf/docs/policy.md#rule-${rule.name})`);
      const expected =
        rule.defaultLevel === "advisory"
          ? { level: "warning" }
          : rule.defaultLevel === "disabled"
            ? { enabled: false, level: "warning" }
            : { level: "error" };
      expect(d.defaultConfiguration).toEqual(expected);
    }
    // Every link lands on the rule's row in the rule table.
    const doc = fs.readFileSync(path.join(ROOT, "docs", "policy.md"), "utf8");
    for (const rule of RULES) expect(doc).toContain(`<a id="rule-${rule.name}"></a>`);
    // Without --readme-url the link is relative and helpUri (absolute only) is left out.
    const relative = sarif([VENDOR]).log.runs[0].tool.driver.rules[0];
    expect(relative.helpUri).toBeUndefined();
    expect(relative.help.markdown).toContain("(docs/policy.md#rule-ebpf-least-privilege)");
  });

  test("each result sits at the file and line of its offending field", () => {
    const relative = path.relative(ROOT, VENDOR);
    const { log } = sarif([relative]);
    const lines = VENDOR_TEXT.split("\n");
    const results = log.runs[0].results;
    expect(results.length).toBe(12);
    for (const r of results) {
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toBe(relative.split(path.sep).join("/"));
      expect(RULES[r.ruleIndex].name).toBe(r.ruleId);
      const line = lines[loc.region!.startLine - 1];
      const added = /adds (\w+),/.exec(r.message.text);
      if (r.ruleId === "ebpf-least-privilege") expect(line.trim()).toBe(`- ${added![1]}`);
      if (r.ruleId === "host-path") expect(line).toMatch(/path: \/sys\/kernel\/debug/);
      if (r.ruleId === "image-digest") expect(line).toMatch(/^\s+image: /);
      if (r.ruleId === "unused-volumes") expect(line).toMatch(/^\s+- name: /);
    }
    expect(results.filter((r) => r.level === "error").length).toBe(10);
    expect(results.filter((r) => r.level === "warning").length).toBe(2);
  });
});

describe("JUnit XML", () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    isArray: (name) => ["testsuite", "testcase", "failure"].includes(name),
  });

  test("one testsuite per file, one testcase per workload, one failure per mandatory violation", () => {
    const stream = path.join(dir, "stream.yaml");
    fs.writeFileSync(stream, HELM_STREAM);
    const unreadable = path.join(dir, "gone.yaml");
    fs.symlinkSync(path.join(dir, "nowhere"), unreadable);
    const r = review(["--format", "junit", VENDOR, stream, unreadable]);
    expect(r.status).toBe(2);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const xml = parser.parse(r.stdout) as {
      testsuites: {
        tests: string;
        failures: string;
        errors: string;
        testsuite: {
          name: string;
          tests: string;
          testcase: { name: string; failure?: { message: string; type: string }[]; error?: unknown }[];
        }[];
      };
    };
    const suites = xml.testsuites.testsuite;
    expect(suites.map((s) => s.name)).toEqual([VENDOR, stream, unreadable]);
    const [vendor, helm, gone] = suites;
    expect(vendor.testcase.map((c) => c.name)).toEqual(["Deployment/acs-test-ebpf-demo"]);
    expect(vendor.testcase[0].failure!.length).toBe(10);
    expect(helm.testcase.map((c) => c.name)).toEqual(["Deployment/acs-test-ebpf-demo", "Pod/good", "Pod/bad"]);
    expect(helm.testcase[1].failure).toBeUndefined();
    expect(helm.testcase[2].failure!.map((f) => f.type)).toEqual([
      "drop-all",
      "privileged",
      "privilege-escalation",
      "seccomp",
    ]);
    expect(gone.testcase[0].error).toBeDefined();
    expect(xml.testsuites).toMatchObject({ tests: "5", failures: "3", errors: "1" });
  });

  test("text that is not XML-safe is escaped", () => {
    const odd = path.join(dir, "odd&<name>.yaml");
    fs.writeFileSync(
      odd,
      `apiVersion: v1\nkind: Pod\nmetadata: {name: "a<b>&\\"c"}\nspec: {containers: [{name: x, image: "r@${digest}", securityContext: {privileged: true}}]}\n`,
    );
    const r = review(["--format", "junit", odd]);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    expect(r.stdout).toContain("odd&amp;&lt;name&gt;.yaml");
  });
});

describe("bad files among good ones", () => {
  test("a FIFO, a dangling link and a malformed file in a folder are listed; every other file is reviewed", () => {
    const folder = path.join(dir, "mixed");
    fs.mkdirSync(folder);
    fs.copyFileSync(VENDOR, path.join(folder, "a-vendor.yaml"));
    fs.writeFileSync(path.join(folder, "b-broken.yaml"), "a: [1\n");
    fs.symlinkSync(path.join(folder, "nowhere.yaml"), path.join(folder, "c-dangling.yaml"));
    expect(spawnSync("mkfifo", [path.join(folder, "d-fifo.yaml")]).status).toBe(0);
    fs.copyFileSync(VENDOR, path.join(folder, "e-vendor.yaml"));
    const r = spawnSync(process.execPath, [TSX_CLI, path.join(ROOT, "cli", "review.ts"), "--json", folder], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    const json = JSON.parse(r.stdout) as {
      violations: { file: string }[];
      errors: { file: string; message: string }[];
    };
    expect(json.errors.map((e) => [path.basename(e.file), e.message.split(":")[0]])).toEqual([
      ["c-dangling.yaml", "cannot read"],
      ["d-fifo.yaml", "cannot read"],
      ["b-broken.yaml", "not valid YAML"],
    ]);
    expect(new Set(json.violations.map((v) => path.basename(v.file)))).toEqual(
      new Set(["a-vendor.yaml", "e-vendor.yaml"]),
    );
  });
});

describe("arguments", () => {
  test("--format rejects an unknown format; --output writes the report and keeps stdout for the summary", () => {
    const bad = review(["--format", "html", VENDOR]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format: "html" is not accepted; expected one of: table, json, sarif, junit');
    const out = path.join(dir, "out.sarif");
    const r = review(["--format", "sarif", "--output", out, VENDOR]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(validateSarif(JSON.parse(fs.readFileSync(out, "utf8")))).toBe(true);
    expect(r.stderr).toMatch(/1 workload\(s\) reviewed: 10 mandatory and 2 advisory/);
  });
});
