/**
 * Static Go binaries for the guests, built once per source version into the matrix cache:
 * the cilium/ebpf examples at the tag pinned in images/ebpf-workbench/versions.json (kernels/go
 * requires it; a test keeps both equal), the `confine` helper, and containerd's default seccomp
 * profile generator against two containerd versions (kernels/seccomp). CGO_ENABLED=0,
 * GOTOOLCHAIN=local, -mod=readonly: go.sum decides every dependency.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SeccompChoice } from "./confinement";
import { PROBES } from "./matrix";

const KERNELS_DIR = __dirname;
const TRACERS_MODULE = path.join(KERNELS_DIR, "go");
const SECCOMP_MODULE = path.join(KERNELS_DIR, "seccomp");
const EXAMPLES = [...new Set(Object.values(PROBES).map((p) => p.example))];

/** containerd versions whose default profile generator is built, by mod file in kernels/seccomp. */
const SECCOMP_GENERATORS: Readonly<Record<Exclude<SeccompChoice, "unconfined">, string>> = {
  "runtime-default": "go.mod",
  "containerd-1.6.8": "containerd-1.6.8.mod",
};

function sourceHash(dirs: string[], goArch: string): string {
  const h = createHash("sha256")
    .update(execFileSync("go", ["version"]).toString())
    .update(goArch);
  const walk = (root: string, dir: string) => {
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) walk(root, p);
      // Names relative to the module: a fresh clone in another folder hits the same cache entry.
      else if (/\.(go|mod|sum)$/.test(f)) h.update(path.relative(root, p)).update(fs.readFileSync(p));
    }
  };
  dirs.forEach((d) => walk(d, d));
  return h.digest("hex").slice(0, 16);
}

function go(cwd: string, goArch: string, args: string[]): void {
  execFileSync("go", args, {
    cwd,
    env: {
      ...process.env,
      CGO_ENABLED: "0",
      GOTOOLCHAIN: "local",
      GOFLAGS: "-mod=readonly -buildvcs=false",
      GOOS: "linux",
      GOARCH: goArch,
    },
    // stdout too goes to stderr: `npm run kernels -- --json` keeps stdout for the JSON.
    stdio: ["ignore", process.stderr, "inherit"],
  });
}

function hostGoArch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

export interface GuestBinaries {
  dir: string;
  /** examples/<name> → file */
  tracer(example: string): string;
  confine: string;
  /**
   * containerd's generator for this profile, built for the guest: it runs there, because
   * containerd picks the profile's architecture-specific rules from its own GOARCH.
   */
  seccompGenerator(choice: Exclude<SeccompChoice, "unconfined">): string;
}

/** Where the guest finds the generator of a profile (kernels/guest/matrix.sh runs it). */
export function guestGeneratorPath(choice: Exclude<SeccompChoice, "unconfined">): string {
  return `/usr/local/bin/seccomp-${choice}`;
}

export function buildGuestBinaries(
  cacheDir: string,
  goArch: "amd64" | "arm64",
  log: (line: string) => void,
): GuestBinaries {
  const dir = path.join(cacheDir, "bin", `${goArch}-${sourceHash([TRACERS_MODULE, SECCOMP_MODULE], goArch)}`);
  const done = path.join(dir, ".built");
  if (!fs.existsSync(done)) {
    fs.mkdirSync(dir, { recursive: true });
    log(
      `go test ./cmd/confine (the seccomp filter compiler), go build: cilium/ebpf examples, confine, seccomp generators -> ${dir}`,
    );
    go(TRACERS_MODULE, hostGoArch(), ["test", "./cmd/confine"]);
    const build = (cwd: string, args: string[]) => go(cwd, goArch, ["build", "-trimpath", ...args]);
    for (const e of EXAMPLES) build(TRACERS_MODULE, ["-o", path.join(dir, e), `github.com/cilium/ebpf/examples/${e}`]);
    build(TRACERS_MODULE, ["-o", path.join(dir, "confine"), "./cmd/confine"]);
    for (const [choice, modfile] of Object.entries(SECCOMP_GENERATORS))
      build(SECCOMP_MODULE, [`-modfile=${modfile}`, "-o", path.join(dir, `seccomp-${choice}`), "."]);
    fs.writeFileSync(done, "");
  }
  return {
    dir,
    tracer: (example) => path.join(dir, example),
    confine: path.join(dir, "confine"),
    seccompGenerator: (choice) => path.join(dir, `seccomp-${choice}`),
  };
}
