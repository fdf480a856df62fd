/**
 * Booting a Debian kernel in a qemu TCG guest with a busybox initramfs plus an overlay, and
 * reading its serial console. Reusable by any test that needs a real kernel: give it a kernel
 * (prepareKernel), overlay files and the shell command the guest runs; it returns the console
 * lines. The guest has loopback only, unless host port forwards are asked for: then a virtio NIC
 * on qemu's user network with `restrict=on` (the guest reaches nothing), forwarded from 127.0.0.1.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BUSYBOX_PACKAGE, KernelPackage, fetchPackages, unpackDeb } from "./debianPackages";
import { InitramfsEntry, buildCpio } from "./initramfs";

const INIT_SCRIPT = path.join(__dirname, "guest", "init");

/** The kernel's NIC driver chain for qemu's virtio-net-pci, in load order (builtin ones are absent). */
const NIC_MODULES = ["failover", "net_failover", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "virtio_net"];

export interface PreparedKernel {
  package: KernelPackage;
  vmlinuz: string;
  /** The unpacked package (lib/modules/<release>/...). */
  root: string;
  /** The base initramfs: busybox-static and the init script. */
  baseInitramfs: Buffer;
}

/** Fetches, checks and unpacks the kernel and busybox-static packages (cached). */
export function prepareKernels(cacheDir: string, kernels: readonly KernelPackage[], log: (line: string) => void): PreparedKernel[] {
  const debs = fetchPackages(cacheDir, [...kernels, BUSYBOX_PACKAGE], log);
  const busyboxRoot = unpackDeb(debs.get(BUSYBOX_PACKAGE)!, path.join(cacheDir, "unpacked", `busybox-${BUSYBOX_PACKAGE.sha256.slice(0, 12)}`));
  const baseInitramfs = buildCpio([
    { path: "/bin/busybox", type: "file", data: fs.readFileSync(path.join(busyboxRoot, "bin/busybox")), mode: 0o755 },
    { path: "/init", type: "file", data: fs.readFileSync(INIT_SCRIPT), mode: 0o755 },
    ...["/usr/bin", "/usr/local/bin", "/sbin", "/guest", "/sys/kernel/tracing", "/sys/fs/bpf"].map((p) => ({ path: p, type: "dir" as const })),
  ]);
  return kernels.map((k) => {
    const root = unpackDeb(debs.get(k)!, path.join(cacheDir, "unpacked", `${k.release}-${k.sha256.slice(0, 12)}`));
    return { package: k, vmlinuz: path.join(root, "boot", `vmlinuz-${k.release}`), root, baseInitramfs };
  });
}

/** The NIC modules of this kernel as overlay files (xz-compressed ones unpacked with xz). */
export function nicModuleEntries(kernel: PreparedKernel): InitramfsEntry[] {
  // trixie's packages ship /usr/lib/modules (merged /usr); older suites /lib/modules.
  const modules = ["usr/lib", "lib"].map((d) => path.join(kernel.root, d, "modules", kernel.package.release, "kernel")).find((d) => fs.existsSync(d));
  if (!modules) throw new Error(`kernel package ${kernel.package.package}: no lib/modules/${kernel.package.release} in it`);
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else {
        const name = f.replace(/\.ko(\.xz|\.zst)?$/, "");
        if (NIC_MODULES.includes(name) && f !== name) found.set(name, p);
      }
    }
  };
  for (const sub of ["drivers/net", "drivers/virtio", "net/core"]) if (fs.existsSync(path.join(modules, sub))) walk(path.join(modules, sub));
  return NIC_MODULES.filter((m) => found.has(m)).map((m, i) => {
    const file = found.get(m)!;
    const data = file.endsWith(".xz") ? execFileSync("xz", ["-dc", file]) : file.endsWith(".zst") ? execFileSync("zstd", ["-dc", file]) : fs.readFileSync(file);
    return { path: `/guest/modules/${String(i).padStart(2, "0")}-${m}.ko`, type: "file" as const, data };
  });
}

export interface BootOptions {
  kernel: PreparedKernel;
  /** Files added to (or replacing) the base initramfs. */
  overlay: readonly InitramfsEntry[];
  /** Shell script the guest's init runs as /guest/command. */
  command: string;
  /** Where the combined initramfs is written. */
  workDir: string;
  memoryMiB?: number;
  /** host 127.0.0.1:hostPort → guest 10.0.2.15:guestPort (adds the NIC and its modules). */
  forwards?: readonly { hostPort: number; guestPort: number }[];
  timeoutMs: number;
  /** Aborting powers the guest off (kills qemu): for guests that serve until the host is done. */
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export interface BootResult {
  lines: string[];
  /** The guest's `/guest/command` exit status, or undefined when it did not finish. */
  commandStatus?: number;
  timedOut: boolean;
}

export function qemuBinary(arch: string): string {
  return arch === "arm64" ? "qemu-system-aarch64" : "qemu-system-x86_64";
}

/** Boots once; resolves when the guest powers off (or the timeout kills it). */
export function bootGuest(o: BootOptions): Promise<BootResult> {
  const forwards = o.forwards ?? [];
  const overlay = buildCpio([
    ...o.overlay,
    ...(forwards.length ? nicModuleEntries(o.kernel) : []),
    { path: "/guest/command", type: "file", data: Buffer.from(o.command), mode: 0o755 },
  ]);
  fs.mkdirSync(o.workDir, { recursive: true });
  const initrd = path.join(o.workDir, "initramfs.cpio");
  fs.writeFileSync(initrd, Buffer.concat([o.kernel.baseInitramfs, overlay]));
  const net = forwards.length
    ? [
        "-netdev",
        `user,id=n0,restrict=on,${forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`).join(",")}`,
        "-device",
        "virtio-net-pci,netdev=n0",
      ]
    : ["-nic", "none"];
  const args = [
    "-accel", "tcg", "-cpu", "max", "-m", String(o.memoryMiB ?? 1024),
    "-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
    ...net,
    "-kernel", o.kernel.vmlinuz, "-initrd", initrd,
    "-append", "console=ttyS0 panic=-1 quiet loglevel=3",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(qemuBinary(o.kernel.package.arch), args, { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let buffer = "";
    let commandStatus: number | undefined;
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString("utf8").replace(/\r/g, "");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const done = /^@@done (\d+)/.exec(line);
        if (done) commandStatus = Number(done[1]);
        o.onLine?.(line);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, o.timeoutMs);
    o.signal?.addEventListener("abort", () => child.kill("SIGKILL"));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${qemuBinary(o.kernel.package.arch)}: ${err.message}; expected qemu installed (apt-get install qemu-system-x86)`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (buffer) lines.push(buffer);
      fs.writeFileSync(path.join(o.workDir, "console.log"), lines.join("\n"));
      if (code !== 0 && !timedOut && !o.signal?.aborted && commandStatus === undefined) {
        return reject(new Error(`qemu exited with ${code}: ${stderr.trim()}`));
      }
      resolve({ lines, commandStatus, timedOut });
    });
  });
}
