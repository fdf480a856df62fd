/**
 * The pipeline integrations run the command lines they contain: the GitHub Action's review step
 * (action.yml), the pre-commit hook (.pre-commit-hooks.yaml) and the GitLab CI job of docs/policy.md.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { XMLParser } from "fast-xml-parser";

const ROOT = path.join(__dirname, "..", "..");
const VENDOR = path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml");
const digest = "sha256:" + "c".repeat(64);
const GOOD = `apiVersion: v1
kind: Pod
metadata: {name: good}
spec:
  containers:
    - name: app
      image: reg.example/app@${digest}
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
`;

let workspace: string;
beforeEach(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), "review-pipeline-"));
  fs.mkdirSync(path.join(workspace, "deploy"));
  fs.copyFileSync(VENDOR, path.join(workspace, "deploy", "vendor.yaml"));
  fs.writeFileSync(path.join(workspace, "deploy", "good.yaml"), GOOD);
  fs.writeFileSync(path.join(workspace, "README.txt"), "not yaml");
});
afterEach(() => fs.rmSync(workspace, { recursive: true, force: true }));

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  if?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
};
type Action = { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } };

/** GitHub's `${{ … }}` for the expressions the action uses: inputs.* and github.*. */
function expand(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, name: string) => {
    if (!(name in context)) throw new Error(`action.yml uses ${name}, which this test does not provide`);
    return context[name];
  });
}

describe("GitHub Action (action.yml)", () => {
  const action = yaml.load(fs.readFileSync(path.join(ROOT, "action.yml"), "utf8")) as Action;
  const review = action.runs.steps.find((s) => s.id === "review")!;

  function runReviewStep(inputs: Record<string, string>) {
    const context: Record<string, string> = {
      "github.server_url": "https://github.example",
      "github.action_repository": "acme/acs-ebpf",
      "github.action_ref": "v1",
    };
    for (const [name, spec] of Object.entries(action.inputs))
      context[`inputs.${name}`] = inputs[name] ?? spec.default ?? "";
    const env = Object.fromEntries(Object.entries(review.env ?? {}).map(([k, v]) => [k, expand(v, context)]));
    const output = path.join(workspace, "github-output");
    fs.writeFileSync(output, "");
    const r = spawnSync("bash", ["-e", "-c", review.run!], {
      cwd: workspace,
      encoding: "utf8",
      env: { ...process.env, ...env, GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: output },
    });
    const outputs = Object.fromEntries(
      fs
        .readFileSync(output, "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => l.split("=", 2)),
    );
    return { status: r.status, stderr: r.stderr, outputs, context };
  }

  test("is a composite action whose steps install, review, upload SARIF and fail on violations", () => {
    expect(action.runs.using).toBe("composite");
    const upload = action.runs.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
    expect(upload.with?.sarif_file).toBe("${{ inputs.sarif-file }}");
    const fail = action.runs.steps[action.runs.steps.length - 1];
    expect(fail.run).toContain("steps.review.outputs.exit-code");
  });

  test("the review step writes valid SARIF for the workspace and reports exit code 1 on mandatory violations", () => {
    const { status, outputs } = runReviewStep({});
    expect(status).toBe(0); // the step itself never fails: the last step does, after the upload
    expect(outputs["exit-code"]).toBe("1");
    const sarif = JSON.parse(fs.readFileSync(path.join(workspace, "acs-ebpf-review.sarif"), "utf8"));
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    expect(
      ajv.validate(JSON.parse(fs.readFileSync(path.join(__dirname, "sarif", "sarif-2.1.0.json"), "utf8")), sarif),
    ).toBe(true);
    const uris = new Set(
      sarif.runs[0].results.map(
        (r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          r.locations[0].physicalLocation.artifactLocation.uri,
      ),
    );
    expect(uris).toEqual(new Set(["deploy/vendor.yaml"]));
    expect(sarif.runs[0].tool.driver.rules[0].helpUri).toBe(
      "https://github.example/acme/acs-ebpf/blob/v1/docs/policy.md#rule-ebpf-least-privilege",
    );
  });

  test("inputs: paths, config and sarif-file; exit code 0 when only compliant files are reviewed", () => {
    fs.writeFileSync(path.join(workspace, "policy.yaml"), "privileged: advisory\n");
    const { outputs } = runReviewStep({ paths: "deploy/good.yaml", config: "policy.yaml", "sarif-file": "r.sarif" });
    expect(outputs["exit-code"]).toBe("0");
    expect(JSON.parse(fs.readFileSync(path.join(workspace, "r.sarif"), "utf8")).runs[0].results).toEqual([]);
  });
});

describe("pre-commit hook (.pre-commit-hooks.yaml)", () => {
  const [hook] = yaml.load(fs.readFileSync(path.join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
    id: string;
    entry: string;
    language: string;
    files: string;
    args: string[];
  }[];

  function runHook(files: string[]) {
    // pre-commit runs `<hook repo>/<entry> <args> <files>` from the user's repository.
    return spawnSync(path.join(ROOT, hook.entry), [...hook.args, ...files], { cwd: workspace, encoding: "utf8" });
  }

  test("selects YAML and JSON files only", () => {
    const files = new RegExp(hook.files);
    expect(["deploy/a.yaml", "b.yml", "c.json"].every((f) => files.test(f))).toBe(true);
    expect(files.test("README.txt")).toBe(false);
    expect(hook.language).toBe("script");
    expect(fs.statSync(path.join(ROOT, hook.entry)).mode & 0o111).not.toBe(0);
  });

  test("blocks the commit on a mandatory violation and passes compliant files", () => {
    const bad = runHook(["deploy/vendor.yaml", "deploy/good.yaml"]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^MANDATORY ebpf-least-privilege +deploy\/vendor\.yaml:35 /m);
    const good = runHook(["deploy/good.yaml"]);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/1 workload\(s\) reviewed: 0 mandatory/);
  });
});

describe("GitLab CI (the docs/policy.md example)", () => {
  test("the job's review command writes a JUnit report GitLab can read", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "policy.md"), "utf8");
    const block = /<!-- gitlab-ci example -->\s*```yaml\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const job = Object.values(
      yaml.load(block![1]) as Record<
        string,
        { variables: Record<string, string>; script: string[]; artifacts: { reports: { junit: string } } }
      >,
    )[0];
    const review = job.script.filter((l) => l.includes("cli/review.js"));
    expect(review.length).toBe(1);
    const r = spawnSync("bash", ["-c", review[0]], {
      cwd: workspace,
      encoding: "utf8",
      env: { ...process.env, ...job.variables, ACS_EBPF_DIR: ROOT },
    });
    expect(r.status).toBe(1);
    const report = path.join(workspace, job.artifacts.reports.junit);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
      fs.readFileSync(report, "utf8"),
    );
    expect(xml.testsuites.failures).toBe("1");
  });
});
