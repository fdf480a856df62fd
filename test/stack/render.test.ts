/** `npm run render` as a user runs it: a child process, files on disk, exit codes. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function render(args: string[], cwd = ROOT) {
  return spawnSync(TSX, [path.join(ROOT, "cli", "render.ts"), ...args], { cwd, encoding: "utf8" });
}

/** Renders stack `stack` of a throwaway project: this repository's Pulumi.yaml and the given stack file lines. */
function renderStackFile(stack: string, lines: string[], out: string) {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "project-"));
  try {
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), [...lines, ""].join("\n"));
    return render(["--stack", stack, "--out", out], project);
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

describe("render CLI", () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  test("writes the dev stack's objects and capabilities.md", () => {
    const result = render(["--out", out]);
    expect(result.stderr).toMatch(/warning: Kernel unknown: SYS_RESOURCE is added/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Verification: skipped, render talks to no cluster/);
    const docs = yaml.loadAll(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")) as { kind: string }[];
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "Deployment"]);
    const report = fs.readFileSync(path.join(out, "capabilities.md"), "utf8");
    expect(report).toMatch(/\| BPF \| bpf\(\)/);
    for (const left of ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "IPC_LOCK", "SYSLOG"]) {
      expect(report).toMatch(new RegExp(`\\| ${left} \\| .+ \\|`));
    }
    expect(report).toMatch(/hostPath \/sys\/kernel\/debug \(debugfs\) is not mounted/);
  });

  test.each([
    [
      "a duplicated key",
      "config:\n  acs-ebpf:kernel: 6.6.71\n  acs-ebpf:kernel: 5.10.0\n",
      /^render: Pulumi\.bad\.yaml line 3, column 3: " {2}acs-ebpf:kernel: 5\.10\.0" is not accepted \(duplicated mapping key\); expected valid YAML/,
    ],
    [
      "an unclosed bracket",
      "config:\n  acs-ebpf:probeKinds: [fentry\n  acs-ebpf:kernel: 6.6.71\n",
      /^render: Pulumi\.bad\.yaml line 3, column 3: .* is not accepted \(deficient indentation\); expected valid YAML/,
    ],
  ])(
    "a malformed stack file (%s): one error naming the file and line, exit 2, nothing written",
    (_what, content, message) => {
      const project = fs.mkdtempSync(path.join(os.tmpdir(), "render-project-"));
      try {
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        fs.writeFileSync(path.join(project, "Pulumi.bad.yaml"), content);
        const target = path.join(out, "rendered");
        const result = render(["--stack", "bad", "--out", target], project);
        expect(result.status).toBe(2);
        expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
        expect(result.stdout).toBe("");
        expect(fs.existsSync(target)).toBe(false);
      } finally {
        fs.rmSync(project, { recursive: true, force: true });
      }
    },
  );

  test("--stack picks another stack file", () => {
    const result = render(["--stack", "vendor-demo", "--out", out]);
    expect(result.status).toBe(0);
    const docs = yaml.loadAll(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")) as {
      kind: string;
      metadata: { name: string };
    }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(["Deployment/acs-test-ebpf-demo"]);
    expect(fs.readFileSync(path.join(out, "capabilities.md"), "utf8")).toMatch(/risk: high/);
  });

  test("an unknown stack names the stacks there are, and writes nothing", () => {
    const result = render(["--stack", "prod", "--out", out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /--stack: "prod" is not accepted; expected a stack with a Pulumi.<stack>.yaml file here, one of: dev, vendor-demo/,
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });

  test("a bad config value fails with the key, the value and the accepted values, and writes nothing", () => {
    const result = renderStackFile(
      "bad",
      ["config:", "  acs-ebpf:image: x/y:v1", "  acs-ebpf:architecture: s390x"],
      out,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/acs-ebpf:architecture: "s390x" is not accepted; expected one of: amd64, arm64/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  test("a build stack renders the tag it pushes and the pull secret reference, never the secret", () => {
    const result = renderStackFile(
      "prod",
      [
        "config:",
        "  acs-ebpf:imageRepository: registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
        "  acs-ebpf:registryServer: registry.cn-hangzhou.aliyuncs.com",
        "  acs-ebpf:pullRegistryServer: registry-vpc.cn-hangzhou.aliyuncs.com",
        "  acs-ebpf:registryUsername: dev@team",
        "  acs-ebpf:registryPassword:",
        "    secure: v1:ciphertext-of-the-password",
      ],
      out,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /Note: Image: pulumi up builds registry.cn-hangzhou.aliyuncs.com\/team\/ebpf-workbench:go[\w.-]+, pushes it, and deploys it by digest/,
    );
    expect(result.stdout).toMatch(/Note: Secret ebpf-workbench\/ebpf-workbench-registry .* is not rendered/);
    const manifests = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
    const deployment = (
      yaml.loadAll(manifests) as {
        kind: string;
        spec: { template: { spec: { imagePullSecrets: unknown; containers: { image: string }[] } } };
      }[]
    ).find((d) => d.kind === "Deployment")!;
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: "ebpf-workbench-registry" }]);
    expect(deployment.spec.template.spec.containers[0].image).toMatch(
      /^registry-vpc.cn-hangzhou.aliyuncs.com\/team\/ebpf-workbench:go/,
    );
    expect(manifests + result.stdout + result.stderr).not.toContain("ciphertext-of-the-password");
  });

  test("a node stack renders the DaemonSet with the stack file's tolerations, and says how pulumi up verifies it", () => {
    const result = renderStackFile(
      "nodes",
      [
        "config:",
        `  acs-ebpf:image: registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@sha256:${"c".repeat(64)}`,
        "  acs-ebpf:placement: node",
        "  acs-ebpf:tolerations:",
        "    - key: node-role.kubernetes.io/control-plane",
        "      operator: Exists",
        "      effect: NoSchedule",
      ],
      out,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /Verification: skipped, render talks to no cluster \(pulumi up waits for each node's self-test startupProbe\)/,
    );
    const docs = yaml.loadAll(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")) as {
      kind: string;
      spec?: { template: { spec: { tolerations: unknown } } };
    }[];
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "DaemonSet"]);
    expect(docs[1].spec!.template.spec.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);
  });

  test("unknown arguments print the usage", () => {
    const result = render(["--stak", "dev"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run render/);
  });
});
