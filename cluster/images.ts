/**
 * The images the node runs, assembled without a Docker engine by go-containerregistry
 * (cluster/oci): the workbench (busybox + static bash + the cilium/ebpf fentry tracer at the tag
 * images/ebpf-workbench/versions.json pins + ebpf-selftest + util-linux's setpriv and coreutils' timeout) pushed to the registry with basic auth
 * and deployed by digest, and the pod sandbox (pause) saved as a tarball containerd imports at boot.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import versions from "../images/ebpf-workbench/versions.json";
import { PAUSE_IMAGE } from "./nodeConfig";

const REPO_ROOT = path.resolve(__dirname, "..");
const TRACER_PATH = "/usr/local/bin/fentry-tcp-connect";
const SELFTEST_PATH = "/usr/local/bin/ebpf-selftest";
/** What the Dockerfile's CMD does: stay up, exit at once on SIGTERM. */
const WORKBENCH_CMD = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait"];

export interface WorkbenchParts {
  busybox: string;
  bashStatic: string;
  tracer: string;
  /**
   * What the verification's minimization runs, `timeout ... setpriv --bounding-set -CAP -- tracer`,
   * as on the workbench image: util-linux's setpriv (busybox's lacks --bounding-set) and coreutils'
   * timeout (busybox's runs its own setpriv applet whatever PATH says), with trixie's libc6 and
   * libcap-ng0. /bin/sh is bash, as there (busybox's ash would run the timeout applet likewise).
   */
  userland: { setpriv: string; timeout: string; libc6: string; libcapNg: string };
}

const MULTIARCH = "usr/lib/x86_64-linux-gnu";
/** What the image takes from elsewhere than busybox's applets. */
const NOT_FROM_BUSYBOX = ["busybox", "bash", "sh", "setpriv", "timeout"];

/** setpriv and timeout in /usr/bin (before /bin on PATH), the loader and libraries where the ELF interpreter and ld.so look. */
function addUserland(dir: string, p: WorkbenchParts["userland"]): void {
  for (const d of [MULTIARCH, "lib64", "usr/bin"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const copy = (from: string, to: string) => {
    fs.copyFileSync(fs.realpathSync(from), path.join(dir, to));
    fs.chmodSync(path.join(dir, to), 0o755);
  };
  copy(p.setpriv, "usr/bin/setpriv");
  copy(p.timeout, "usr/bin/timeout");
  for (const lib of ["ld-linux-x86-64.so.2", "libc.so.6"])
    copy(path.join(p.libc6, MULTIARCH, lib), `${MULTIARCH}/${lib}`);
  copy(path.join(p.libcapNg, MULTIARCH, "libcap-ng.so.0"), `${MULTIARCH}/libcap-ng.so.0`);
  fs.symlinkSync(`../${MULTIARCH}/ld-linux-x86-64.so.2`, path.join(dir, "lib64/ld-linux-x86-64.so.2"));
}

/** The workbench's files in a folder (busybox applets as symlinks, as a busybox base image has them). */
export function workbenchFolder(dir: string, parts: WorkbenchParts): string {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "usr/local/bin", "tmp", "proc", "sys", "dev", "etc", "app/ebpf"])
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(parts.busybox, path.join(dir, "bin/busybox"));
  fs.chmodSync(path.join(dir, "bin/busybox"), 0o755);
  for (const applet of execFileSync(parts.busybox, ["--list"]).toString().split("\n").filter(Boolean))
    if (!NOT_FROM_BUSYBOX.includes(applet)) fs.symlinkSync("busybox", path.join(dir, "bin", applet));
  fs.copyFileSync(parts.bashStatic, path.join(dir, "bin/bash"));
  fs.chmodSync(path.join(dir, "bin/bash"), 0o755);
  fs.copyFileSync(parts.tracer, path.join(dir, TRACER_PATH));
  fs.chmodSync(path.join(dir, TRACER_PATH), 0o755);
  fs.copyFileSync(path.join(REPO_ROOT, "images/ebpf-workbench/ebpf-selftest"), path.join(dir, SELFTEST_PATH));
  fs.chmodSync(path.join(dir, SELFTEST_PATH), 0o755);
  addUserland(dir, parts.userland);
  fs.symlinkSync("bash", path.join(dir, "bin/sh"));
  fs.chmodSync(path.join(dir, "tmp"), 0o1777);
  fs.writeFileSync(path.join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  fs.writeFileSync(path.join(dir, "etc/group"), "root:x:0:\n");
  return dir;
}

function workbenchLabels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...extra,
    "org.opencontainers.image.title": "acs-ebpf workbench (cluster test image)",
    "io.acs-ebpf.cilium-ebpf.tag": versions.ciliumEbpf.tag,
    "io.acs-ebpf.tracer.path": TRACER_PATH,
    "io.acs-ebpf.selftest.path": SELFTEST_PATH,
  };
}

/** Pushes the folder as an image; returns its digest (sha256:...). */
export function pushImage(
  oci: string,
  folder: string,
  reference: string,
  credentials: { username: string; password: string },
  /** More labels: a distinct digest of the same files (an image the node has not pulled yet). */
  extraLabels: Record<string, string> = {},
): string {
  return execFileSync(
    oci,
    ["push", folder, reference, JSON.stringify(WORKBENCH_CMD), JSON.stringify(workbenchLabels(extraLabels))],
    {
      env: { ...process.env, OCI_USERNAME: credentials.username, OCI_PASSWORD: credentials.password },
      stdio: ["ignore", "pipe", "pipe"],
    },
  )
    .toString()
    .trim();
}

/** The pause image as a docker-archive tarball (cached). */
export function pauseTarball(oci: string, pauseBinary: string, dir: string): string {
  const tar = path.join(dir, "pause.tar");
  if (fs.existsSync(tar)) return tar;
  const folder = path.join(dir, "pause-root");
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  fs.copyFileSync(pauseBinary, path.join(folder, "pause"));
  fs.chmodSync(path.join(folder, "pause"), 0o755);
  execFileSync(oci, ["save", folder, PAUSE_IMAGE, JSON.stringify(["/pause"]), `${tar}.tmp`]);
  fs.renameSync(`${tar}.tmp`, tar);
  return tar;
}
