/**
 * The node's disk and initramfs. The disk: an ext4 image (`mkfs.ext4 -d`) of trixie's libc,
 * libseccomp, runc, containerd, the CNI plugins, busybox, the kubelet and the pause image; built
 * once per content and booted with qemu's `snapshot=on` (writes never reach the cached file). The
 * initramfs: busybox, the kernel's modules the node needs, and this run's files (kubelet config,
 * kubeconfig), which stage 1 copies into the root before switch_root.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { InitramfsEntry, buildCpio } from "../kernels/initramfs";
import { moduleDependencies } from "../kernels/guest";
import { containerdConfig, cniConfig, registryHostsToml, REGISTRY_HOST, HOST_IN_GUEST } from "./nodeConfig";

const GUEST_SCRIPTS = path.join(__dirname, "guest");

/** Modules the node loads, in order (each with its dependencies first); the ones built in are not found and skipped. */
const NODE_MODULES = [
  "virtio_pci",
  "virtio_blk",
  "virtio_net",
  "overlay",
  "veth",
  "bridge",
  "br_netfilter",
  "ext4",
] as const;

export interface RootInputs {
  /** package name → unpacked folder (cluster/packages.ts) */
  packages: Map<string, string>;
  guestPackages: readonly string[];
  kubeBinary: string;
  pauseTar: string;
}

function hashTree(h: ReturnType<typeof createHash>, p: string): void {
  const st = fs.lstatSync(p);
  if (st.isDirectory()) for (const f of fs.readdirSync(p).sort()) hashTree(h.update(f), path.join(p, f));
  else if (st.isSymbolicLink()) h.update(fs.readlinkSync(p));
  else h.update(`${st.size}:${st.mtimeMs}`);
}

/** The ext4 image (cached by its inputs). */
export function nodeDisk(cacheDir: string, inputs: RootInputs, log: (line: string) => void): string {
  const h = createHash("sha256");
  for (const name of inputs.guestPackages) h.update(inputs.packages.get(name)!);
  hashTree(h, GUEST_SCRIPTS);
  hashTree(h, inputs.kubeBinary);
  hashTree(h, inputs.pauseTar);
  h.update(containerdConfig()).update(cniConfig()).update(registryHostsToml());
  const key = h.digest("hex").slice(0, 16);
  const disk = path.join(cacheDir, "disks", `node-${key}.ext4`);
  if (fs.existsSync(disk)) return disk;
  log(`building the node's disk ${path.basename(disk)}`);
  const root = path.join(cacheDir, "disks", `root-${key}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64"])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const [link, target] of [
    ["bin", "usr/bin"],
    ["sbin", "usr/sbin"],
    ["lib", "usr/lib"],
    ["lib64", "usr/lib64"],
  ])
    fs.symlinkSync(target, path.join(root, link));
  for (const name of inputs.guestPackages) execFileSync("cp", ["-a", `${inputs.packages.get(name)!}/.`, root]);
  fs.rmSync(path.join(root, ".unpacked"), { force: true });
  // busybox applets where Debian's packages left no program of that name
  const busybox = path.join(root, "usr/bin/busybox");
  for (const applet of execFileSync(busybox, ["--list"]).toString().split("\n").filter(Boolean)) {
    const at = path.join(root, "usr/bin", applet);
    if (!fs.existsSync(at) && !fs.existsSync(path.join(root, "usr/sbin", applet))) fs.symlinkSync("busybox", at);
  }
  const put = (file: string, data: string | Buffer, mode = 0o644) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), data, { mode });
  };
  fs.copyFileSync(inputs.kubeBinary, path.join(root, "usr/bin/kubelet"));
  fs.chmodSync(path.join(root, "usr/bin/kubelet"), 0o755);
  put("images/pause.tar", fs.readFileSync(inputs.pauseTar));
  put("sbin/node-init", fs.readFileSync(path.join(GUEST_SCRIPTS, "node-init")), 0o755);
  for (const s of ["node-kubelet", "node-control"])
    put(`usr/local/bin/${s}`, fs.readFileSync(path.join(GUEST_SCRIPTS, s)), 0o755);
  put("etc/containerd/config.toml", containerdConfig());
  put(`etc/containerd/certs.d/${REGISTRY_HOST}/hosts.toml`, registryHostsToml());
  put("etc/cni/net.d/10-pods.conflist", cniConfig());
  put("etc/hosts", `127.0.0.1 localhost node\n${HOST_IN_GUEST} ${REGISTRY_HOST}\n`);
  put("etc/resolv.conf", "nameserver 10.0.2.3\n");
  put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  put("etc/group", "root:x:0:\n");
  put("etc/nsswitch.conf", "hosts: files\n");
  for (const d of ["proc", "sys", "dev", "run", "tmp", "root", "var/lib", "var/log", "etc/kubernetes"])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  const tmp = `${disk}.tmp`;
  fs.rmSync(tmp, { force: true });
  execFileSync("mkfs.ext4", ["-q", "-F", "-L", "node", "-d", root, tmp, "3G"], { stdio: ["ignore", "ignore", "pipe"] });
  fs.renameSync(tmp, disk);
  fs.rmSync(root, { recursive: true, force: true });
  return disk;
}

/** The kernel's modules (.ko, unpacked) by name, under the package's lib/modules/<release>/kernel. */
function kernelModules(kernelRoot: string, release: string): Map<string, string> {
  const dir = ["usr/lib", "lib"]
    .map((d) => path.join(kernelRoot, d, "modules", release, "kernel"))
    .find((d) => fs.existsSync(d));
  if (!dir) throw new Error(`kernel ${release}: no lib/modules/${release}/kernel in its package`);
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (/\.ko(\.xz|\.zst)?$/.test(f)) files.set(f.replace(/\.ko(\.xz|\.zst)?$/, "").replace(/-/g, "_"), p);
    }
  };
  walk(dir);
  return files;
}

function readModule(file: string): Buffer {
  if (file.endsWith(".xz")) return execFileSync("xz", ["-dc", file], { maxBuffer: 1 << 28 });
  if (file.endsWith(".zst")) return execFileSync("zstd", ["-dc", file], { maxBuffer: 1 << 28 });
  return fs.readFileSync(file);
}

/** NODE_MODULES and their dependencies, in load order. */
export function moduleEntries(kernelRoot: string, release: string): InitramfsEntry[] {
  const files = kernelModules(kernelRoot, release);
  const order: { name: string; data: Buffer }[] = [];
  const visit = (name: string) => {
    const file = files.get(name);
    if (!file || order.some((m) => m.name === name)) return;
    const data = readModule(file);
    moduleDependencies(data).forEach((d) => visit(d.replace(/-/g, "_")));
    order.push({ name, data });
  };
  NODE_MODULES.forEach(visit);
  return order.map((m, i) => ({
    path: `/modules/${String(i).padStart(2, "0")}-${m.name}.ko`,
    type: "file" as const,
    data: m.data,
  }));
}

/** The initramfs of one boot: busybox, stage 1, the modules and this run's files under /run-files. */
export function nodeInitramfs(
  busybox: string,
  modules: readonly InitramfsEntry[],
  runFiles: readonly { path: string; data: string; mode?: number }[],
): Buffer {
  return buildCpio([
    { path: "/bin/busybox", type: "file", data: fs.readFileSync(busybox), mode: 0o755 },
    { path: "/init", type: "file", data: fs.readFileSync(path.join(GUEST_SCRIPTS, "stage1")), mode: 0o755 },
    ...modules,
    ...runFiles.map((f) => ({
      path: path.posix.join("/run-files", f.path),
      type: "file" as const,
      data: Buffer.from(f.data),
      mode: f.mode ?? 0o600,
    })),
  ]);
}
