/**
 * The stack program (index.ts) through the real engine: `pulumi up` on the render-only dev stack,
 * a no-op second run, the policy pack as an analyzer plugin, bad config, refresh, destroy, stack rm.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { compareObjects, objectsFromYaml, readYamlTree } from "./support/yamlObjects";
import { REPO, Workspace, createWorkspace, expectFailure, expectSuccess } from "../../testing/e2e/workspace";
import { policyViolations, stackResources } from "../../testing/e2e/engineOutput";

let ws: Workspace;
let project: string;

const pulumi = (args: string[]) => ws.pulumi(project, args);

/** A stack file in the project: the dev stack's config plus `extra`. */
function stackFile(stack: string, extra: Record<string, unknown>) {
  const dev = yaml.load(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config = { ...dev.config, "kubernetes:renderYamlToDirectory": `out/${stack}`, ...extra };
  fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), yaml.dump({ config }));
}

beforeAll(async () => {
  ws = createWorkspace();
  project = ws.project("stack", {
    projectFile: path.join(REPO, "Pulumi.yaml"),
    entry: path.join(REPO, "index.ts"),
    stackFiles: [path.join(REPO, "Pulumi.dev.yaml"), path.join(REPO, "Pulumi.vendor-demo.yaml")],
  });
  for (const stack of ["dev", "vendor-demo"])
    expectSuccess(await pulumi(["stack", "init", stack]), `stack init ${stack}`);
});
afterAll(() => ws?.cleanup());

test("npm run pulumi -- about: each engine part with its version and origin", async () => {
  const about = expectSuccess(await pulumi(["about"]), "about").stdout;
  expect(about).toMatch(/^\s+pulumi\s+v3\.248\.0\s+github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi@v3\.248\.0/m);
  expect(about).toMatch(
    /^\s+pulumi-resource-kubernetes\s+4\.0\.0-\d{14}-[0-9a-f]{12}\s+github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4@/m,
  );
  expect(about).toMatch(/^\s+pulumi-resource-pulumi-nodejs\s+3\.248\.0\s+launcher/m);
  expect(about).toMatch(/^\s+pulumi-analyzer-policy\s+3\.248\.0\s+launcher/m);
  // Then the real CLI's own report.
  expect(about).toMatch(/^CLI\s*\nVersion\s+3\.248\.0/m);
});

describe("the dev stack (kubernetes:renderYamlToDirectory)", () => {
  test("1. pulumi up writes YAML equal, object for object, to npm run render's", async () => {
    const up = expectSuccess(await pulumi(["up", "--stack", "dev", "--yes"]), "pulumi up");
    expect(up.stdout).toMatch(/kubernetes:apps\/v1:Deployment\s+ebpf-workbench-deployment\s+created/);

    const renderDir = path.join(ws.root, "render-dev");
    execFileSync("npm", ["run", "render", "--", "--stack", "dev", "--out", renderDir], { cwd: REPO, stdio: "pipe" });
    const expected = objectsFromYaml(readYamlTree(renderDir));
    const actual = objectsFromYaml(readYamlTree(path.join(project, "out", "pulumi-dev")));
    expect([...expected.keys()].sort()).toEqual([
      "apps/v1/Deployment/ebpf-workbench/ebpf-workbench",
      "v1/Namespace//ebpf-workbench",
    ]);
    expect(compareObjects(expected, actual)).toEqual({ missing: [], extra: [], different: [] });

    const outputs = JSON.parse(
      expectSuccess(await pulumi(["stack", "output", "--stack", "dev", "--json"]), "stack output").stdout,
    );
    expect(outputs.capabilities.map((c: { name: string }) => c.name)).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
    expect(outputs.verificationResult).toMatchObject({ skipped: true, verified: false });
    expect(outputs.verificationResult.skipReason).toMatch(/renderYamlToDirectory/);
  });

  test("2. a second pulumi up changes nothing; preview --expect-no-changes passes", async () => {
    expectSuccess(await pulumi(["up", "--stack", "dev", "--yes", "--expect-no-changes"]), "second pulumi up");
    expectSuccess(await pulumi(["preview", "--stack", "dev", "--expect-no-changes"]), "preview --expect-no-changes");
    const history = JSON.parse(
      expectSuccess(await pulumi(["stack", "history", "--stack", "dev", "--json"]), "stack history").stdout,
    );
    expect(history[0].result).toBe("succeeded");
    expect(Object.keys(history[0].resourceChanges)).toEqual(["same"]);
  });
});

describe("1b. the node placement through the engine", () => {
  test("tolerations set with `pulumi config set --path` reach the DaemonSet; pulumi up writes what npm run render shows; the policy pack passes it", async () => {
    stackFile("nodes", { "acs-ebpf:placement": "node" });
    expectSuccess(await pulumi(["stack", "init", "nodes"]), "stack init nodes");
    const set = (p: string, value: string) => pulumi(["config", "set", "--stack", "nodes", "--path", p, value]);
    expectSuccess(await set("tolerations[0].key", "node-role.kubernetes.io/control-plane"), "config set --path key");
    expectSuccess(await set("tolerations[0].operator", "Exists"), "config set --path operator");
    expectSuccess(await set("tolerations[0].effect", "NoSchedule"), "config set --path effect");

    const up = expectSuccess(await pulumi(["up", "--stack", "nodes", "--yes"]), "pulumi up nodes");
    expect(up.stdout).toMatch(/kubernetes:apps\/v1:DaemonSet\s+ebpf-workbench-daemonset\s+created/);
    const renderDir = path.join(ws.root, "render-nodes");
    execFileSync(
      path.join(REPO, "node_modules", ".bin", "tsx"),
      [path.join(REPO, "cli", "render.ts"), "--stack", "nodes", "--out", renderDir],
      { cwd: project, stdio: "pipe" },
    );
    const expected = objectsFromYaml(readYamlTree(renderDir));
    const actual = objectsFromYaml(readYamlTree(path.join(project, "out", "nodes")));
    expect([...expected.keys()].sort()).toEqual([
      "apps/v1/DaemonSet/ebpf-workbench/ebpf-workbench",
      "v1/Namespace//ebpf-workbench",
    ]);
    expect(compareObjects(expected, actual)).toEqual({ missing: [], extra: [], different: [] });
    const ds = actual.get("apps/v1/DaemonSet/ebpf-workbench/ebpf-workbench") as {
      spec: { template: { spec: { tolerations: unknown } } };
    };
    expect(ds.spec.template.spec.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);

    const outputs = JSON.parse(
      expectSuccess(await pulumi(["stack", "output", "--stack", "nodes", "--json"]), "stack output").stdout,
    );
    expect(outputs.verificationResult.skipReason).toMatch(
      /^acs-ebpf:placement is node: each DaemonSet pod checks itself with the self-test startupProbe/,
    );
    // The self-test startupProbe is the DaemonSet's verification: the pack's ebpf-verification accepts it.
    const preview = await pulumi(["preview", "--stack", "nodes", "--policy-pack", path.join(REPO, "policy")]);
    expect(policyViolations(preview.stdout).filter((x) => x.level === "mandatory")).toEqual([]);
  });
});

describe("3. the policy pack in pulumi preview (the analyzer plugin)", () => {
  const policyPack = path.join(REPO, "policy");

  test("vendor-demo: the preview fails, naming each mandatory violation", async () => {
    const r = expectFailure(
      await pulumi(["preview", "--stack", "vendor-demo", "--policy-pack", policyPack]),
      "preview vendor-demo",
    );
    const v = policyViolations(r.stdout);
    const mandatory = v.filter((x) => x.level === "mandatory");
    const extraCapabilities = mandatory
      .filter((x) => x.policy === "ebpf-least-privilege")
      .map((x) => /adds (\w+), not needed/.exec(x.message)?.[1]);
    expect(extraCapabilities.sort()).toEqual(["IPC_LOCK", "NET_ADMIN", "NET_RAW", "SYSLOG", "SYS_ADMIN", "SYS_PTRACE"]);
    expect(
      mandatory
        .map((x) => x.policy)
        .filter((p) => p !== "ebpf-least-privilege")
        .sort(),
    ).toEqual(["drop-all", "ebpf-verification", "host-path", "seccomp"]);
    expect(mandatory.find((x) => x.policy === "host-path")!.message).toMatch(/\/sys\/kernel\/debug/);
    expect(v.filter((x) => x.level === "advisory").map((x) => x.policy)).toEqual(["image-digest"]);
  });

  test("the least-privilege dev stack gets only what docs/policy.md documents", async () => {
    // docs/policy.md: ebpf-verification fails a stack whose verification is skipped (the render-only dev stack).
    const r = expectFailure(await pulumi(["preview", "--stack", "dev", "--policy-pack", policyPack]), "preview dev");
    const v = policyViolations(r.stdout);
    expect(v.map((x) => `${x.level} ${x.policy}`).sort()).toEqual([
      "advisory image-digest",
      "mandatory ebpf-verification",
    ]);
    const doc = fs.readFileSync(path.join(REPO, "docs", "policy.md"), "utf8");
    expect(doc).toMatch(
      /`ebpf-verification` is deliberately strict: a stack whose verification is skipped \(the render-only\s+`dev` stack/,
    );
    // The rule table carries an anchor per rule (the SARIF help links point at it).
    expect(doc).toMatch(/\| (?:<a id="rule-image-digest"><\/a>)?`image-digest` \| [0-9.]+ \| advisory \|/);

    const relaxed = path.join(ws.root, "dev-policy.json");
    fs.writeFileSync(relaxed, JSON.stringify({ "ebpf-verification": "advisory" }));
    expectSuccess(
      await pulumi(["preview", "--stack", "dev", "--policy-pack", policyPack, "--policy-pack-config", relaxed]),
      "preview with ebpf-verification advisory",
    );
  });

  test("drop-all set to remediate: the engine applies the remediation", async () => {
    const deploymentInputs = (stdout: string) => {
      const step = JSON.parse(stdout).steps.find((s: { urn: string }) =>
        s.urn.endsWith("kubernetes:apps/v1:Deployment::acs-test-ebpf-demo-deployment"),
      );
      return step.newState.inputs.spec.template.spec.containers[0].securityContext.capabilities;
    };
    // The vendor-demo program drops nothing ...
    const plain = await pulumi(["preview", "--stack", "vendor-demo", "--json"]);
    expect(deploymentInputs(plain.stdout).drop).toBeUndefined();
    // ... and with drop-all at remediate the engine's analyzer adds drop: [ALL] to the inputs.
    const config = path.join(ws.root, "remediate.json");
    fs.writeFileSync(config, JSON.stringify({ "drop-all": "remediate" }));
    const remediated = await pulumi([
      "preview",
      "--stack",
      "vendor-demo",
      "--policy-pack",
      policyPack,
      "--policy-pack-config",
      config,
      "--json",
    ]);
    expect(deploymentInputs(remediated.stdout)).toEqual({
      add: ["IPC_LOCK", "NET_ADMIN", "NET_RAW", "SYSLOG", "SYS_ADMIN", "SYS_PTRACE", "SYS_RESOURCE"],
      drop: ["ALL"],
    });
    const report = policyViolations(
      (await pulumi(["preview", "--stack", "vendor-demo", "--policy-pack", policyPack, "--policy-pack-config", config]))
        .stdout,
    );
    expect(report.filter((x) => x.policy === "drop-all").map((x) => x.level)).toEqual(["remediate"]);
    // The violations it cannot fix stay mandatory.
    expect(report.filter((x) => x.level === "mandatory").map((x) => x.policy)).toContain("host-path");
  });
});

describe("6. bad config through the CLI: non-zero exit naming the key, nothing registered", () => {
  test.each([
    [
      "unknown key",
      "bad-unknown",
      { "acs-ebpf:replica": 2 },
      /acs-ebpf:replica: "2" is not accepted \(unknown config key\)/,
    ],
    [
      "wrong type (Pulumi.yaml's schema)",
      "bad-type",
      { "acs-ebpf:replicas": "two" },
      /Stack 'bad-type' with configuration key 'replicas' must be of type 'integer'/,
    ],
    ["out of range", "bad-range", { "acs-ebpf:replicas": 500 }, /acs-ebpf:replicas: 500 is not accepted/],
    [
      "tolerations that are no list (Pulumi.yaml's schema)",
      "bad-tolerations",
      { "acs-ebpf:tolerations": "control-plane" },
      /Stack 'bad-tolerations' with configuration key 'tolerations' must be of type 'array<object>'/,
    ],
    [
      "a bad toleration (the program)",
      "bad-toleration",
      { "acs-ebpf:placement": "node", "acs-ebpf:tolerations": [{ key: "dedicated", operator: "Exist" }] },
      /acs-ebpf:tolerations\[0\]\.operator: "Exist" is not accepted; expected one of: Exists, Equal/,
    ],
    [
      "the sidecar placement (the program has no application)",
      "bad-placement",
      { "acs-ebpf:placement": "sidecar" },
      /acs-ebpf:placement: "sidecar" is not accepted \(the sidecar goes into an application's pods/,
    ],
  ])("%s", async (_what, stack, extra, message) => {
    stackFile(stack, extra);
    expectSuccess(await pulumi(["stack", "init", stack]), "stack init");
    const r = expectFailure(await pulumi(["up", "--stack", stack, "--yes"]), `up --stack ${stack}`);
    expect(r.output).toMatch(message);
    expect(await stackResources(ws, project, stack)).toEqual([]);
    expect(fs.existsSync(path.join(project, "out", stack))).toBe(false);
  });
});

describe("7. refresh, destroy, stack rm", () => {
  test("refresh is clean; destroy leaves nothing in the state or the YAML folder; stack rm removes the stack", async () => {
    // With no cluster the Kubernetes provider cannot read the objects back; this setting makes it
    // keep the recorded ones (kubernetes:skipUpdateUnreachable in the stack file would also apply to
    // Check, where in render mode it hands the provider empty inputs and the plugin panics).
    const refresh = await ws.pulumi(project, ["refresh", "--stack", "dev", "--yes", "--expect-no-changes"], {
      env: { PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "true" },
    });
    expectSuccess(refresh, "refresh");
    expectSuccess(await pulumi(["destroy", "--stack", "dev", "--yes"]), "destroy");
    expect(await stackResources(ws, project, "dev")).toEqual([]);
    expect(readYamlTree(path.join(project, "out", "pulumi-dev"))).toEqual([]);
    expectSuccess(await pulumi(["stack", "rm", "dev", "--yes"]), "stack rm");
    const stacks = JSON.parse(expectSuccess(await pulumi(["stack", "ls", "--json"]), "stack ls").stdout) as {
      name: string;
    }[];
    expect(stacks.map((s) => s.name)).not.toContain("dev");
  });
});
