/**
 * The components from other languages through the component provider (provider/, the
 * pulumi-resource-acs-ebpf plugin on the engine's PATH): the YAML consumer (the real Pulumi YAML
 * language host), the Python consumer (its SDK generated from the inferred schema, the program
 * served by the Python SDK's inline language server) and the TypeScript reference, each `pulumi up`
 * on a render-to-directory stack; their Kubernetes objects must be equal, with the self-test as the
 * probe's startupProbe.
 */
import * as fs from "fs";
import * as path from "path";
import { compareObjects, objectsFromYaml, readYamlTree, KubernetesObject } from "./support/yamlObjects";
import { REPO, Workspace, createWorkspace, expectSuccess } from "../../testing/e2e/workspace";
import { addPackage } from "../../tools/pulumi-engine/packageAdd";
import { ensureEngine } from "../../tools/pulumi-engine/build";
import { engineEnv } from "../../tools/pulumi-engine/pulumi";
import { execFileSync } from "child_process";

let ws: Workspace;
const objects: Record<string, Map<string, KubernetesObject>> = {};
const outputs: Record<string, Record<string, unknown>> = {};

/** Copies an example's project files into the workspace (the TypeScript one's main re-exports the example). */
function project(example: string): string {
  const src = path.join(REPO, "examples", example);
  if (example === "typescript-consumer") {
    const dir = ws.project(example, {
      projectFile: path.join(src, "Pulumi.yaml"),
      entry: path.join(src, "index.ts"),
      stackFiles: [path.join(src, "Pulumi.dev.yaml")],
    });
    return dir;
  }
  const dir = path.join(ws.root, example);
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(src))
    if (fs.statSync(path.join(src, f)).isFile()) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  return dir;
}

/**
 * The Go consumer: `package add` (Go SDK), `go build`, then the program's own Automation API main
 * runs `pulumi up` (no Go language host here), with the engine's CLI and plugins.
 */
function goUp(dir: string): { output: string } {
  addPackage("go", dir, ws.env);
  const goEnv = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false", CGO_ENABLED: "0" };
  execFileSync("go", ["build", "-o", "go-consumer", "."], { cwd: dir, env: goEnv, stdio: "pipe" });
  const engine = ensureEngine();
  const env = { ...engineEnv(ws.env, engine.pathDirs), PULUMI_ROOT: path.dirname(path.dirname(engine.paths.pulumi)) };
  return {
    output: execFileSync(path.join(dir, "go-consumer"), ["up"], {
      cwd: dir,
      env,
      encoding: "utf8",
      stdio: "pipe",
      maxBuffer: 64 << 20,
    }),
  };
}

async function deploy(example: string) {
  const dir = project(example);
  if (example === "go-consumer") {
    const up = goUp(dir);
    objects[example] = objectsFromYaml(readYamlTree(path.join(dir, "out")));
    outputs[example] = JSON.parse(
      expectSuccess(await ws.pulumi(dir, ["stack", "output", "--stack", "dev", "--json"]), `${example}: stack output`)
        .stdout,
    );
    return up;
  }
  // `pulumi package add <repo>/provider`, as this engine does it for Python (no Python language host).
  if (example === "python-consumer") addPackage("python", dir, ws.env);
  expectSuccess(await ws.pulumi(dir, ["stack", "init", "dev"]), `${example}: stack init`);
  // The repository's tsconfig maps "acs-ebpf" (examples/platform-sidecar imports it) to components/.
  const env = { TSX_TSCONFIG_PATH: path.join(REPO, "tsconfig.json") };
  const up = expectSuccess(await ws.pulumi(dir, ["up", "--stack", "dev", "--yes"], { env }), `${example}: pulumi up`);
  objects[example] = objectsFromYaml(readYamlTree(path.join(dir, "out")));
  outputs[example] = JSON.parse(
    expectSuccess(await ws.pulumi(dir, ["stack", "output", "--stack", "dev", "--json"]), `${example}: stack output`)
      .stdout,
  );
  return up;
}

beforeAll(() => {
  ws = createWorkspace();
});
afterAll(() => ws?.cleanup());

test("the TypeScript reference: the workbench and the shop Deployment with the probe", async () => {
  await deploy("typescript-consumer");
  expect([...objects["typescript-consumer"].keys()].sort()).toEqual([
    "apps/v1/DaemonSet/ebpf-nodes/nodes",
    "apps/v1/Deployment/ebpf-workbench/workbench",
    "apps/v1/Deployment/shop/shop",
    "v1/Namespace//ebpf-nodes",
    "v1/Namespace//ebpf-workbench",
  ]);
  // The self-test is the startupProbe of the workbench and of the sidecar.
  type PodSpec = { containers: { startupProbe?: unknown }[]; initContainers?: { startupProbe?: unknown }[] };
  const podSpec = (key: string) =>
    (objects["typescript-consumer"].get(key) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template
      .spec;
  expect(podSpec("apps/v1/Deployment/ebpf-workbench/workbench").containers[0].startupProbe).toMatchObject({
    exec: { command: ["/usr/local/bin/ebpf-selftest"] },
  });
  expect(podSpec("apps/v1/Deployment/shop/shop").initContainers![0].startupProbe).toMatchObject({
    exec: { command: ["/usr/local/bin/ebpf-selftest"] },
  });
  // The node placement's DaemonSet with its tolerations (every language below must render the same).
  const nodes = (
    objects["typescript-consumer"].get("apps/v1/DaemonSet/ebpf-nodes/nodes") as unknown as {
      spec: { template: { spec: PodSpec & { tolerations: unknown } } };
    }
  ).spec.template.spec;
  expect(nodes.tolerations).toEqual([
    { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
  ]);
});

test("the YAML consumer (Pulumi YAML language host + component provider) renders the same objects", async () => {
  const up = await deploy("yaml-consumer");
  // The progress lines say "create" or "created" depending on timing.
  expect(up.output).toMatch(/acs-ebpf:index:EbpfWorkbench\s+workbench\s+create/);
  expect(up.output).toMatch(/pulumi\/pulumi#5455/); // the dynamic-provider verification is left out, and says why
  expect(compareObjects(objects["typescript-consumer"], objects["yaml-consumer"])).toEqual({
    missing: [],
    extra: [],
    different: [],
  });
  expect(outputs["yaml-consumer"].capabilities).toEqual(outputs["typescript-consumer"].capabilities);
  expect(outputs["yaml-consumer"].imageRef).toEqual(outputs["typescript-consumer"].imageRef);
});

test("the Python consumer (generated SDK, component provider) renders the same objects", async () => {
  const up = await deploy("python-consumer");
  expect(up.output).toMatch(/acs-ebpf:index:EbpfSidecarWorkload\s+shop\s+create/);
  expect(up.output).toMatch(/pulumi\/pulumi#5455/);
  expect(compareObjects(objects["typescript-consumer"], objects["python-consumer"])).toEqual({
    missing: [],
    extra: [],
    different: [],
  });
  expect(outputs["python-consumer"]).toEqual({ ...outputs["yaml-consumer"] });
});

test("the Go consumer (generated SDK, Automation API inline program) renders the same objects", async () => {
  const up = await deploy("go-consumer");
  expect(up.output).toMatch(/pulumi\/pulumi#5455/);
  expect(compareObjects(objects["typescript-consumer"], objects["go-consumer"])).toEqual({
    missing: [],
    extra: [],
    different: [],
  });
  expect(outputs["go-consumer"]).toEqual({ ...outputs["yaml-consumer"] });
});

test("PulumiPlugin.yaml's path: @pulumi/pulumi's run-plugin (what the Node.js host starts) serves the launcher's schema", async () => {
  // The Node.js language host is not built here (not served); its RunPlugin starts cmd/run-plugin
  // on the plugin folder, which this stand-in does the same way.
  const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [REPO] });
  const provider = path.join(REPO, "provider");
  const viaRunPlugin = path.join(ws.root, "pulumi-resource-acs-ebpf");
  fs.writeFileSync(viaRunPlugin, `#!/bin/sh\nexec node ${runPlugin} --pwd ${provider} ${provider} "$@"\n`, {
    mode: 0o755,
  });
  const schema = async (plugin: string) =>
    JSON.parse(
      expectSuccess(await ws.pulumi(ws.root, ["package", "get-schema", plugin]), `get-schema ${plugin}`).stdout,
    );
  const hosted = await schema(viaRunPlugin);
  expect(hosted.name).toBe("acs-ebpf");
  expect(Object.keys(hosted.resources).sort()).toEqual([
    "acs-ebpf:index:EbpfSidecarWorkload",
    "acs-ebpf:index:EbpfWorkbench",
  ]);
  expect(hosted).toEqual(
    await schema(path.join(REPO, "tools", "pulumi-engine", "plugins", "pulumi-resource-acs-ebpf")),
  );
});
