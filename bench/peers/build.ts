/**
 * The peer tools a user would run instead of acs-ebpf-review, each built pinned from its registry
 * into ${ACS_EBPF_CACHE:-~/.cache/acs-ebpf}/peers/<tool>-<version>/ (a `done` file marks a finished
 * build). Builds run at the lowest CPU priority (nice 19), one at a time, cheapest first; a build
 * that fails leaves its reason in `failed` and the others go on.
 *   node --import tsx bench/peers/build.ts [TOOL...]   builds (default: every peer) and prints what is ready
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inlineSchemaRefs } from "./schemas";

export interface Peer {
  tool: string;
  version: string;
  /** What it checks, as the tables name it. */
  rules: string;
  /** Rough build time on a 2-core VM, for the log. */
  buildSeconds: number;
  build(dir: string): void;
}

export function peersCache(): string {
  return path.join(process.env.ACS_EBPF_CACHE || path.join(os.homedir(), ".cache", "acs-ebpf"), "peers");
}

export const peerDir = (p: Pick<Peer, "tool" | "version">): string => path.join(peersCache(), `${p.tool}-${p.version}`);

const GO = fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
/** The trivy-checks module pinned for conftest's rego (the checks trivy itself embeds). */
export const TRIVY_CHECKS = "github.com/aquasecurity/trivy-checks@v1.10.0";
/** The Kubernetes JSON schemas kubeconform validates against (its default schema host is not a registry). */
export const KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0";

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", ...extra };
}

/** Runs a build step at nice 19, its output into the peer's build.log. */
function nice(dir: string, cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const log = fs.openSync(path.join(dir, "build.log"), "a");
  try {
    fs.writeSync(log, `$ ${cmd} ${args.join(" ")}\n`);
    execFileSync("nice", ["-n", "19", cmd, ...args], {
      cwd: options.cwd ?? dir,
      env: options.env ?? process.env,
      stdio: ["ignore", log, log],
    });
  } finally {
    fs.closeSync(log);
  }
}

function goInstall(dir: string, pkg: string, extra: NodeJS.ProcessEnv = {}): void {
  nice(dir, GO, ["install", pkg], { env: goEnv({ GOBIN: path.join(dir, "bin"), ...extra }) });
}

/** A module's source folder in Go's module cache (read-only there). */
function goModuleDir(dir: string, module: string): string {
  nice(dir, GO, ["mod", "download", module], { env: goEnv() });
  const out = execFileSync(GO, ["mod", "download", "-json", module], { env: goEnv(), encoding: "utf8" });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function copyWritable(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", to]);
}

export const PEERS: Peer[] = [
  {
    tool: "kubeconform",
    version: "v0.8.0",
    rules: "-strict, Kubernetes 1.33 schemas (no policy)",
    buildSeconds: 92,
    build(dir) {
      goInstall(dir, "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0");
      const wheel = path.join(dir, "wheel");
      nice(dir, "python3", [
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "-d",
        wheel,
        KUBERNETES_VALIDATE,
      ]);
      const file = fs.readdirSync(wheel).find((f) => f.endsWith(".whl"));
      if (!file) throw new Error(`pip download ${KUBERNETES_VALIDATE} left no wheel`);
      const unpacked = path.join(dir, "kubernetes-validate");
      fs.rmSync(unpacked, { recursive: true, force: true });
      nice(dir, "python3", ["-m", "zipfile", "-e", path.join(wheel, file), unpacked]);
      inlineSchemaRefs(unpacked, path.join(dir, "schemas"));
    },
  },
  {
    tool: "kube-score",
    version: "v1.20.0",
    rules: "default checks",
    buildSeconds: 101,
    build(dir) {
      goInstall(dir, "github.com/zegl/kube-score/cmd/kube-score@v1.20.0");
    },
  },
  {
    tool: "conftest",
    version: "v0.71.1",
    rules: "trivy-checks rego: KSV001/003/005/009/010/012/014/017/022/106",
    buildSeconds: 322,
    build(dir) {
      goInstall(dir, "github.com/open-policy-agent/conftest@v0.71.1");
      copyWritable(goModuleDir(dir, TRIVY_CHECKS), path.join(dir, "trivy-checks"));
    },
  },
  {
    tool: "checkov",
    version: "3.3.30",
    rules: "kubernetes framework, all checks",
    buildSeconds: 184,
    build(dir) {
      nice(dir, "python3", ["-m", "venv", path.join(dir, "venv")]);
      nice(dir, path.join(dir, "venv", "bin", "pip"), ["install", "--disable-pip-version-check", "checkov==3.3.30"]);
    },
  },
  {
    tool: "kyverno",
    version: "v1.19.1",
    rules: "podSecurity restricted",
    buildSeconds: 831,
    build(dir) {
      // Its go.mod has replace directives, so `go install …@v1.19.1` refuses: build it as the main module.
      const src = path.join(dir, "src");
      copyWritable(goModuleDir(dir, "github.com/kyverno/kyverno@v1.19.1"), src);
      nice(dir, GO, ["build", "-o", path.join(dir, "bin", "kyverno"), "./cmd/cli/kubectl-kyverno"], {
        cwd: src,
        env: goEnv(),
      });
      fs.rmSync(src, { recursive: true, force: true });
    },
  },
  {
    tool: "trivy",
    version: "v0.74.0",
    rules: "trivy config (embedded checks)",
    buildSeconds: 1287,
    build(dir) {
      goInstall(dir, "github.com/aquasecurity/trivy/cmd/trivy@v0.74.0", { GOEXPERIMENT: "jsonv2" });
    },
  },
];

export type BuildState = { ready: true } | { ready: false; why: string };

export function buildState(peer: Peer): BuildState {
  const dir = peerDir(peer);
  if (fs.existsSync(path.join(dir, "done"))) return { ready: true };
  const failed = path.join(dir, "failed");
  if (fs.existsSync(failed)) return { ready: false, why: fs.readFileSync(failed, "utf8").trim() };
  return { ready: false, why: `not built; build it with: node --import tsx bench/peers/build.ts ${peer.tool}` };
}

/** Builds one peer unless it is done; a failure is recorded (with the log's tail) and returned, not thrown. */
export function buildPeer(peer: Peer, log: (line: string) => void = console.error): BuildState {
  const dir = peerDir(peer);
  if (fs.existsSync(path.join(dir, "done"))) return { ready: true };
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, "failed"), { force: true });
  const start = Date.now();
  log(`building ${peer.tool} ${peer.version} (about ${peer.buildSeconds} s on a 2-core VM) into ${dir}`);
  try {
    peer.build(dir);
    fs.writeFileSync(
      path.join(dir, "done"),
      `${new Date().toISOString()} ${Math.round((Date.now() - start) / 1000)} s\n`,
    );
    log(`built ${peer.tool} in ${Math.round((Date.now() - start) / 1000)} s`);
    return { ready: true };
  } catch (e) {
    let tail = "";
    try {
      tail = fs.readFileSync(path.join(dir, "build.log"), "utf8").trim().split("\n").slice(-5).join(" | ");
    } catch {
      /* no log */
    }
    const why = `build failed: ${(e as Error).message.split("\n")[0]}${tail ? ` (log: ${tail})` : ""}`;
    fs.writeFileSync(path.join(dir, "failed"), `${why}\n`);
    log(`${peer.tool}: ${why}`);
    return { ready: false, why };
  }
}

if (require.main === module) {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !PEERS.some((p) => p.tool === w));
  if (unknown.length) {
    console.error(`${unknown.join(", ")}: not a peer; expected some of: ${PEERS.map((p) => p.tool).join(", ")}`);
    process.exitCode = 2;
  } else {
    for (const peer of PEERS) if (wanted.length === 0 || wanted.includes(peer.tool)) buildPeer(peer);
    for (const peer of PEERS) {
      const s = buildState(peer);
      console.log(`${peer.tool} ${peer.version}: ${s.ready ? "ready" : s.why}`);
    }
  }
}
