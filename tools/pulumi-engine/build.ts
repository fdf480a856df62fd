/**
 * Builds the real Pulumi CLI and the Kubernetes provider from the Go module proxy, once per
 * version, into ${ACS_EBPF_CACHE:-~/.cache/acs-ebpf}/pulumi-engine/<part>-<version>-<key>/, and
 * returns the folders to put on PATH. `npm run pulumi:build` runs it alone (it prints the time).
 *
 * Go runs with GOTOOLCHAIN=local (no toolchain download) and -mod=readonly (the committed go.sum
 * decides every module), CGO off (static binaries). Modules land in Go's own module cache.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CLI_MODULE,
  CLI_PACKAGE,
  EnginePart,
  KUBERNETES_MODULE,
  YAML_MODULE,
  YAML_PACKAGE,
  engineParts,
} from "./parts";

export const ENGINE_DIR = __dirname;
export const REPO_ROOT = path.resolve(__dirname, "../..");
export const PLUGINS_DIR = path.join(__dirname, "plugins");

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.ACS_EBPF_CACHE || path.join(os.homedir(), ".cache", "acs-ebpf"), "pulumi-engine");
}

const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GOTOOLCHAIN: "local",
  GOFLAGS: "-mod=readonly -buildvcs=false",
  CGO_ENABLED: "0",
});

function go(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync("go", args, {
      cwd,
      env: { ...goEnv(), ...extraEnv },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number };
    if (e.code === "ENOENT")
      throw new Error(
        "go: not found on PATH; the Pulumi engine is built with Go >= 1.25 (Debian: install Go from go.dev or the golang-1.2x packages)",
      );
    throw new Error(`go ${args.join(" ")} failed in ${cwd} (exit ${e.status})`);
  }
}

function readSources() {
  const read = (p: string) => fs.readFileSync(path.join(REPO_ROOT, p), "utf8");
  return {
    lock: JSON.parse(read("package-lock.json")),
    cli: { goMod: read("tools/pulumi-engine/cli/go.mod"), goSum: read("tools/pulumi-engine/cli/go.sum") },
    kubernetes: {
      goMod: read("tools/pulumi-engine/kubernetes/go.mod"),
      goSum: read("tools/pulumi-engine/kubernetes/go.sum"),
      mainGo: read("tools/pulumi-engine/kubernetes/main.go"),
    },
    yaml: { goMod: read("tools/pulumi-engine/yaml/go.mod"), goSum: read("tools/pulumi-engine/yaml/go.sum") },
    sdkgen: {
      goMod: read("tools/pulumi-engine/sdkgen/go.mod"),
      goSum: read("tools/pulumi-engine/sdkgen/go.sum"),
      mainGo: read("tools/pulumi-engine/sdkgen/main.go"),
    },
    goVersion: go(["env", "GOVERSION"], REPO_ROOT).trim(),
  };
}

/** Where a module version came from (the proxy's origin record: repository, commit, tag). */
function moduleOrigin(module: string, version: string, cwd: string): { commit?: string; ref?: string; dir: string } {
  const info = JSON.parse(go(["mod", "download", "-json", `${module}@${version}`], cwd));
  return { commit: info.Origin?.Hash, ref: info.Origin?.Ref, dir: info.Dir };
}

interface Built {
  part: EnginePart;
  binDir: string;
  provenance: Record<string, unknown>;
}

/** Builds one part into a temporary folder and renames it into place (concurrent runs stay safe). */
function buildInto(part: EnginePart, build: (stage: string, bin: string) => Record<string, unknown>): Built {
  const dir = path.join(cacheRoot(), part.cacheKey!);
  const binDir = path.join(dir, "bin");
  const provenanceFile = path.join(dir, "provenance.json");
  if (fs.existsSync(path.join(binDir, part.binary)) && fs.existsSync(provenanceFile)) {
    return { part, binDir, provenance: JSON.parse(fs.readFileSync(provenanceFile, "utf8")) };
  }
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const stage = fs.mkdtempSync(path.join(cacheRoot(), `.${part.binary}-`));
  try {
    const started = Date.now();
    console.error(
      `acs-ebpf: building ${part.binary} ${part.version} from the Go module proxy (a cold build takes minutes)`,
    );
    fs.mkdirSync(path.join(stage, "bin"));
    const details = build(stage, path.join(stage, "bin", part.binary));
    const provenance = {
      binary: part.binary,
      version: part.version,
      origin: part.origin,
      ...details,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
    };
    fs.writeFileSync(path.join(stage, "provenance.json"), JSON.stringify(provenance, null, 2) + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(stage, dir);
    console.error(`acs-ebpf: built ${part.binary} in ${provenance.buildSeconds} s`);
    return { part, binDir, provenance };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function buildCli(part: EnginePart): Built {
  const wrapper = path.join(ENGINE_DIR, "cli");
  return buildInto(part, (_stage, bin) => {
    const origin = moduleOrigin(CLI_MODULE, part.version, wrapper);
    const ldflags = `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${part.version}`;
    go(["build", "-trimpath", "-ldflags", ldflags, "-o", bin, CLI_PACKAGE], wrapper);
    return { commit: origin.commit, tag: origin.ref, goVersion: go(["env", "GOVERSION"], wrapper).trim() };
  });
}

/**
 * The provider's main package embeds schema files that upstream generates with `go generate`
 * (not in the module zip): stage the wrapper with upstream's generate.go and inputs, run it with
 * the version, then build.
 */
function buildKubernetes(part: EnginePart): Built {
  const wrapper = path.join(ENGINE_DIR, "kubernetes");
  const moduleVersion = `v${part.version}`;
  return buildInto(part, (stage, bin) => {
    const origin = moduleOrigin(KUBERNETES_MODULE, moduleVersion, wrapper);
    const src = path.join(stage, "src");
    fs.mkdirSync(src);
    for (const f of ["go.mod", "go.sum", "main.go"]) fs.copyFileSync(path.join(wrapper, f), path.join(src, f));
    for (const f of ["generate.go", "schema.json", "terraform-mapping.json"]) {
      fs.copyFileSync(path.join(origin.dir, "cmd", "pulumi-resource-kubernetes", f), path.join(src, f));
      fs.chmodSync(path.join(src, f), 0o644);
    }
    go(["run", "generate.go"], src, { VERSION: part.version });
    const ldflags = `-s -w -X ${KUBERNETES_MODULE}/pkg/version.Version=${part.version}`;
    go(["build", "-trimpath", "-ldflags", ldflags, "-o", bin, "."], src);
    fs.rmSync(src, { recursive: true, force: true });
    return { commit: origin.commit, goVersion: go(["env", "GOVERSION"], wrapper).trim() };
  });
}

/** The Pulumi YAML language host, through its wrapper module (cold: about a minute after the CLI's modules). */
function buildYaml(part: EnginePart): Built {
  const wrapper = path.join(ENGINE_DIR, "yaml");
  return buildInto(part, (_stage, bin) => {
    const origin = moduleOrigin(YAML_MODULE, part.version, wrapper);
    go(["build", "-trimpath", "-ldflags", "-s -w", "-o", bin, YAML_PACKAGE], wrapper);
    return { commit: origin.commit, tag: origin.ref, goVersion: go(["env", "GOVERSION"], wrapper).trim() };
  });
}

/** The SDK generator for Python and Go (./sdkgen/main.go). */
function buildSdkgen(part: EnginePart): Built {
  const wrapper = path.join(ENGINE_DIR, "sdkgen");
  return buildInto(part, (_stage, bin) => {
    go(["build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "."], wrapper);
    return { goVersion: go(["env", "GOVERSION"], wrapper).trim() };
  });
}

/**
 * What generated Python SDKs need besides pulumi: parver (their setup.py's install_requires; semver
 * comes with pulumi), and setuptools with wheel to build them (packageAdd.ts, no build isolation).
 */
export const PYTHON_SDK_REQUIREMENTS = ["parver==1.0.1.post0", "setuptools==84.2.1", "wheel==0.48.0"];

/**
 * A venv with pip's `pulumi` at the CLI's version (and PYTHON_SDK_REQUIREMENTS), for Python
 * programs (./python/inline.py), in the cache next to the engine: created once per version and
 * Python. Debian needs python3-venv.
 */
export function ensurePython(engine: Engine): string {
  const version = engine.parts.find((p) => p.binary === "pulumi")!.version.replace(/^v/, "");
  const python = execFileSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
    encoding: "utf8",
  }).trim();
  const requirements = [`pulumi==${version}`, ...PYTHON_SDK_REQUIREMENTS];
  const dir = path.join(cacheRoot(), `python${python}-${requirements.join("-").replace(/[^\w.-]/g, "")}`);
  const bin = path.join(dir, "bin", "python");
  if (fs.existsSync(path.join(dir, "ready"))) return bin;
  const started = Date.now();
  console.error(`acs-ebpf: creating ${dir} (pip install ${requirements.join(" ")})`);
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync("python3", ["-m", "venv", dir], { stdio: ["ignore", "inherit", "inherit"] });
  execFileSync(bin, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...requirements], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  fs.writeFileSync(
    path.join(dir, "ready"),
    `${requirements.join(" ")} in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  return bin;
}

export interface Engine {
  parts: EnginePart[];
  /** Binary name → absolute path. */
  paths: Record<string, string>;
  /** PATH entries, first wins: the CLI, the provider, the launchers. */
  pathDirs: string[];
  provenance: Record<string, Record<string, unknown>>;
}

/** The engine, built if the cache does not have this version yet. */
export function ensureEngine(): Engine {
  const parts = engineParts(readSources());
  const builders: Record<string, (p: EnginePart) => Built> = {
    pulumi: buildCli,
    "pulumi-resource-kubernetes": buildKubernetes,
    "pulumi-language-yaml": buildYaml,
    "pulumi-sdkgen": buildSdkgen,
  };
  const built = parts.filter((p) => builders[p.binary]).map((p) => builders[p.binary](p));
  const paths: Record<string, string> = {};
  const provenance: Record<string, Record<string, unknown>> = {};
  for (const b of built) {
    paths[b.part.binary] = path.join(b.binDir, b.part.binary);
    provenance[b.part.binary] = b.provenance;
  }
  for (const p of parts.filter((x) => !builders[x.binary])) paths[p.binary] = path.join(PLUGINS_DIR, p.binary);
  return { parts, paths, pathDirs: [...built.map((b) => b.binDir), PLUGINS_DIR], provenance };
}

if (require.main === module) {
  const started = Date.now();
  const engine = ensureEngine();
  for (const [binary, p] of Object.entries(engine.provenance))
    console.log(`${binary}: ${engine.paths[binary]} (commit ${p.commit ?? "?"}, built in ${p.buildSeconds} s)`);
  console.log(`engine ready in ${Math.round((Date.now() - started) / 1000)} s`);
}
