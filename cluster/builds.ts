/**
 * The Go binaries of the cluster, each built once per source into the cache (CGO_ENABLED=0,
 * GOTOOLCHAIN=local, -mod=readonly: the committed go.sum decides every dependency):
 * - kube: k8s.io/kubernetes v1.35.4 as one multicall binary (cluster/kubernetes);
 * - oci and pause: go-containerregistry's image assembly and the sandbox process (cluster/oci);
 * - the cilium/ebpf examples/fentry tracer, from kernels/go (the tag versions.json pins).
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KUBERNETES_VERSION } from "./nodeConfig";

const CLUSTER_DIR = __dirname;
const REPO_ROOT = path.resolve(CLUSTER_DIR, "..");

export interface ClusterBinaries {
  kube: string;
  oci: string;
  pause: string;
  tracer: string;
}

function sourceKey(dir: string, extra: string): string {
  const h = createHash("sha256")
    .update(execFileSync("go", ["version"]).toString())
    .update(extra);
  for (const f of fs.readdirSync(dir).sort())
    if (/\.(go|mod|sum)$/.test(f)) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest("hex").slice(0, 16);
}

function goBuild(cwd: string, args: string[], log: (line: string) => void): void {
  log(`go build ${args.join(" ")} (in ${path.relative(REPO_ROOT, cwd)})`);
  execFileSync("nice", ["-n", "19", "go", "build", ...args], {
    cwd,
    env: { ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false" },
    stdio: ["ignore", process.stderr, "inherit"],
  });
}

function built(file: string, build: (tmp: string) => void): string {
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  build(`${file}.tmp`);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

export function buildClusterBinaries(cacheDir: string, log: (line: string) => void): ClusterBinaries {
  const bin = path.join(cacheDir, "bin");
  const kubeDir = path.join(CLUSTER_DIR, "kubernetes");
  const ociDir = path.join(CLUSTER_DIR, "oci");
  const tracersDir = path.join(REPO_ROOT, "kernels", "go");
  const v = "k8s.io/component-base/version";
  const ldflags = [
    "-s -w",
    `-X ${v}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${v}.gitMajor=1`,
    `-X ${v}.gitMinor=${KUBERNETES_VERSION.split(".")[1]}`,
    `-X ${v}.gitTreeState=clean`,
  ].join(" ");
  const kube = built(path.join(bin, `kube-${sourceKey(kubeDir, ldflags)}`), (out) => {
    log(
      "building Kubernetes (apiserver, controller-manager, scheduler, kubelet) from the Go module proxy: a cold build takes about 20 minutes on 2 cores",
    );
    goBuild(kubeDir, ["-trimpath", "-ldflags", ldflags, "-o", out, "."], log);
  });
  const ociKey = sourceKey(ociDir, "") + sourceKey(path.join(ociDir, "pause"), "").slice(0, 8);
  const oci = built(path.join(bin, `oci-${ociKey}`), (out) => goBuild(ociDir, ["-trimpath", "-o", out, "."], log));
  const pause = built(path.join(bin, `pause-${ociKey}`), (out) =>
    goBuild(ociDir, ["-trimpath", "-ldflags", "-s -w", "-o", out, "./pause"], log),
  );
  const tracer = built(path.join(bin, `fentry-${sourceKey(tracersDir, "")}`), (out) =>
    goBuild(tracersDir, ["-trimpath", "-o", out, "github.com/cilium/ebpf/examples/fentry"], log),
  );
  return { kube, oci, pause, tracer };
}
