/**
 * The package as a platform team gets it: `npm pack` (which builds dist/ through `prepack`), the
 * tarball installed into an empty temporary project, a consumer of every export type-checked with
 * `tsc --strict` there and run under Pulumi mocks; importing the package alone registers nothing.
 * Installing uses the npm cache first (`--prefer-offline`): after `npm ci` nothing new is fetched
 * except what the tarball's unlocked transitive ranges resolve to.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE = path.join(__dirname, "fixture");
const EXAMPLE = path.join(ROOT, "examples", "platform-sidecar");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};

let project: string;
let tarball: string;

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function node(script: string) {
  return spawnSync(process.execPath, [script], { cwd: project, encoding: "utf8", timeout: 60_000 });
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-consumer-"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", project], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = path.join(project, packed[0].filename);
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "platform-stack", version: "1.0.0", private: true }),
  );
  npm(
    [
      "install",
      "--prefer-offline",
      tarball,
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies["@types/node"]}`,
    ],
    project,
  );
  for (const f of ["consumer.ts", "importOnly.js", "tsconfig.json"])
    fs.copyFileSync(path.join(FIXTURE, f), path.join(project, f));
  fs.mkdirSync(path.join(project, "example"));
  for (const f of ["app.ts", "index.ts", "render.ts"])
    fs.copyFileSync(path.join(EXAMPLE, f), path.join(project, "example", f));
}, 240_000);

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("the packed package in an empty project", () => {
  test("the tarball ships compiled JavaScript, declarations and the image context, not the sources or tests", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const f of [
      "package/dist/components/index.js",
      "package/dist/components/index.d.ts",
      "package/dist/images/ebpf-workbench/Dockerfile",
      "package/dist/images/ebpf-workbench/ebpf-selftest",
      "package/dist/images/ebpf-workbench/versions.json",
    ]) {
      expect(listing).toContain(f);
    }
    expect(listing.filter((f) => /\.test\.|\/test\/|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(listing).not.toContain("package/dist/policy/index.js"); // the PolicyPack server is not part of the library
    const installed = JSON.parse(
      fs.readFileSync(path.join(project, "node_modules", pkg.name, "package.json"), "utf8"),
    ) as { private?: boolean; types: string };
    expect(installed.private).toBeUndefined();
    expect(fs.existsSync(path.join(project, "node_modules", pkg.name, installed.types))).toBe(true);
  });

  test("the reviewer ships as the acs-ebpf-review command, compiled (no TypeScript loader)", () => {
    const bin = path.join(project, "node_modules", ".bin", "acs-ebpf-review");
    const r = spawnSync(bin, ["--format", "json", path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml")], {
      cwd: project,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { violations: { rule: string; level: string; line: number }[] };
    expect(
      report.violations.some((v) => v.rule === "ebpf-least-privilege" && v.level === "mandatory" && v.line > 0),
    ).toBe(true);
    expect(fs.realpathSync(bin)).toBe(
      path.join(fs.realpathSync(project), "node_modules", pkg.name, "dist", "cli", "review.js"),
    );
    // SARIF names the reviewer's version, read from the installed package.json above dist/cli/.
    const sarif = spawnSync(
      bin,
      ["--format", "sarif", path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml")],
      { cwd: project, encoding: "utf8" },
    );
    expect(sarif.stderr).toBe("");
    expect(JSON.parse(sarif.stdout).runs[0].tool.driver.version).toBe(pkg.version);
  });

  test("importing it registers nothing and leaves nothing running", () => {
    const r = node("importOnly.js");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      registered: string[];
      handles: string[];
      sharedPulumi: boolean;
      entry: string;
    };
    expect(out.registered).toEqual([]);
    expect(out.handles).toEqual([]);
    expect(out.sharedPulumi).toBe(true);
    expect(out.entry).toBe(
      path.join(fs.realpathSync(project), "node_modules", pkg.name, "dist", "components", "index.js"),
    );
  });

  test("a consumer of every export (and the example stack) type-checks with tsc --strict and runs under mocks", () => {
    const tsc = spawnSync(
      process.execPath,
      [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
      { cwd: project, encoding: "utf8" },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);

    const run = node(path.join("out", "consumer.js"));
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    // The consumer names every value export there is.
    const exported = JSON.parse(node("importOnly.js").stdout).exports as string[];
    expect(result.exports).toEqual(exported);
    for (const name of [
      "EbpfWorkbench",
      "EbpfWorkload",
      "WorkbenchImage",
      "TcpConnectVerification",
      "addEbpfSidecar",
      "ebpfSidecarTransform",
      "planCapabilities",
      "reviewDocuments",
    ]) {
      expect(exported).toContain(name);
    }

    expect(result.registered).toEqual(
      [
        "acs-ebpf:index:EbpfWorkbench",
        "acs-ebpf:index:EbpfWorkload",
        "acs-ebpf:index:TcpConnectVerification",
        "kubernetes:core/v1:Namespace",
        "kubernetes:apps/v1:Deployment",
        "acs-ebpf:index:EbpfWorkbench",
        "acs-ebpf:index:EbpfWorkload",
        "kubernetes:core/v1:Namespace",
        "kubernetes:apps/v1:DaemonSet",
      ].sort(),
    );
    expect(result).toMatchObject({
      capabilities: ["BPF", "PERFMON"],
      workbenchCapabilities: ["BPF", "PERFMON"],
      verificationSkipped: true,
      probe: { name: "ebpf-probe", restartPolicy: "Always" },
      changed: true,
      reportStyle: "native",
      placement: "node",
      mode: "monitor",
      // The minimal application container is reported for its own settings; the probe added beside it is not.
      violationContainers: ["web"],
      reviewedPods: 1,
      podSize: [1, 2],
      // Pinned before the first rule: every rule off.
      pinnedLevels: ["disabled"],
    });
    expect(result.applied).toEqual([expect.stringMatching(/^ACS pod size 2 vCPU \/ 4 GiB → /)]);
    expect(result.refused).toMatch(/acs: true is not accepted/);
    expect(result.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(result.tolerationProblems).toEqual(["tolerations[0].value"]);
  });

  test("examples/platform-sidecar (compiled with the consumer above) renders offline from the installed package", () => {
    const render = node(path.join("out", "example", "render.js"));
    expect(render.status).toBe(0);
    expect(render.stdout).toMatch(/initContainers:\n\s+- name: ebpf-probe/);
    expect(render.stderr).toMatch(/note: ACS pod size 1 vCPU \/ 2 GiB → 1\.5 vCPU \/ 3 GiB/);
  });
});
