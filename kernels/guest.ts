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
import { BUSYBOX_PACKAGES, KernelPackage, fetchPackages, unpackDeb } from "./debianPackages";
import { InitramfsEntry, buildCpio } from "./initramfs";

const INIT_SCRIPT = path.join(__dirname, "guest", "init");

/** qemu's virtio-net-pci NIC: its driver, whose dependencies are read from the modules themselves. */
const NIC_DRIVER = "virtio_net";

export interface PreparedKernel {
  package: KernelPackage;
  vmlinuz: string;
  /** The unpacked package (lib/modules/<release>/...). */
  root: string;
  /** The base initramfs: busybox-static and the init script. */
  baseInitramfs: Buffer;
}

/** Fetches, checks and unpacks the kernel and busybox-static packages (cached). */
export function prepareKernels(
  cacheDir: string,
  kernels: readonly KernelPackage[],
  log: (line: string) => void,
): PreparedKernel[] {
  const busyboxes = BUSYBOX_PACKAGES.filter((b) => kernels.some((k) => k.arch === b.arch));
  const debs = fetchPackages(cacheDir, [...kernels, ...busyboxes], log);
  const baseInitramfs = new Map(
    busyboxes.map((b) => {
      const root = unpackDeb(
        debs.get(b)!,
        path.join(cacheDir, "unpacked", `busybox-${b.arch}-${b.sha256.slice(0, 12)}`),
      );
      const cpio = buildCpio([
        { path: "/bin/busybox", type: "file", data: fs.readFileSync(path.join(root, "bin/busybox")), mode: 0o755 },
        { path: "/init", type: "file", data: fs.readFileSync(INIT_SCRIPT), mode: 0o755 },
        ...["/usr/bin", "/usr/local/bin", "/sbin", "/guest", "/sys/kernel/tracing", "/sys/fs/bpf"].map((p) => ({
          path: p,
          type: "dir" as const,
        })),
      ]);
      return [b.arch, cpio];
    }),
  );
  return kernels.map((k) => {
    const root = unpackDeb(debs.get(k)!, path.join(cacheDir, "unpacked", `${k.release}-${k.sha256.slice(0, 12)}`));
    const base = baseInitramfs.get(k.arch);
    if (!base)
      throw new Error(`kernels/packages.json: no busybox-static for ${k.arch}; expected one per kernel architecture`);
    return { package: k, vmlinuz: path.join(root, "boot", `vmlinuz-${k.release}`), root, baseInitramfs: base };
  });
}

/** A module's `depends=` (its .modinfo section), e.g. ["virtio", "virtio_ring", "net_failover"]. Pure. */
export function moduleDependencies(ko: Buffer): string[] {
  const at = ko.indexOf("\0depends=");
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  return ko
    .toString("latin1", at + "\0depends=".length, end)
    .split(",")
    .filter((d) => d !== "");
}

/**
 * The NIC driver and every module it needs, in load order, as overlay files (xz/zstd-compressed
 * ones unpacked). Modules built into the kernel are simply not found, so they are skipped.
 */
function nicModuleEntries(kernel: PreparedKernel): InitramfsEntry[] {
  // trixie's packages ship /usr/lib/modules (merged /usr); older suites /lib/modules.
  const modules = ["usr/lib", "lib"]
    .map((d) => path.join(kernel.root, d, "modules", kernel.package.release, "kernel"))
    .find((d) => fs.existsSync(d));
  if (!modules)
    throw new Error(`kernel package ${kernel.package.package}: no lib/modules/${kernel.package.release} in it`);
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (/\.ko(\.xz|\.zst)?$/.test(f)) files.set(f.replace(/\.ko(\.xz|\.zst)?$/, "").replace(/-/g, "_"), p);
    }
  };
  walk(modules);
  const read = (file: string) =>
    file.endsWith(".xz")
      ? execFileSync("xz", ["-dc", file])
      : file.endsWith(".zst")
        ? execFileSync("zstd", ["-dc", file])
        : fs.readFileSync(file);
  const order: { name: string; data: Buffer }[] = [];
  const visit = (name: string) => {
    const file = files.get(name);
    if (!file || order.some((m) => m.name === name)) return;
    const data = read(file);
    moduleDependencies(data).forEach((d) => visit(d.replace(/-/g, "_")));
    order.push({ name, data });
  };
  visit(NIC_DRIVER);
  visit("virtio_pci");
  return order.map((m, i) => ({
    path: `/guest/modules/${String(i).padStart(2, "0")}-${m.name}.ko`,
    type: "file" as const,
    data: m.data,
  }));
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

/** qemu per guest architecture: arm64 runs on the `virt` machine with a PL011 console. */
export const QEMU: Record<string, { binary: string; machine: string[]; append: string; apt: string }> = {
  // no_timer_check: on a loaded host, TCG is too slow for the IO-APIC timer check and the kernel
  // panics with "IO-APIC + timer doesn't work!" (seen here); virtual machines skip that check.
  amd64: { binary: "qemu-system-x86_64", machine: [], append: "console=ttyS0 no_timer_check", apt: "qemu-system-x86" },
  arm64: { binary: "qemu-system-aarch64", machine: ["-M", "virt"], append: "console=ttyAMA0", apt: "qemu-system-arm" },
};

function qemuFor(arch: string) {
  const q = QEMU[arch];
  if (!q)
    throw new Error(
      `kernel architecture ${JSON.stringify(arch)} is not booted; expected one of ${Object.keys(QEMU).join(", ")}`,
    );
  return q;
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
  const qemu = qemuFor(o.kernel.package.arch);
  const args = [
    ...qemu.machine,
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-m",
    String(o.memoryMiB ?? 1024),
    "-nodefaults",
    "-display",
    "none",
    "-serial",
    "stdio",
    "-monitor",
    "none",
    "-no-reboot",
    ...net,
    "-kernel",
    o.kernel.vmlinuz,
    "-initrd",
    initrd,
    "-append",
    `${qemu.append} panic=-1 quiet loglevel=3`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(qemu.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
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
      reject(new Error(`${qemu.binary}: ${err.message}; expected qemu installed (apt-get install ${qemu.apt})`));
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

/** A host binary and the shared libraries ldd names, as overlay files (the binary at `at`, libraries at their paths). */
export function withLibraries(file: string, at = file): InitramfsEntry[] {
  const libs = execFileSync("ldd", [file])
    .toString()
    .split("\n")
    .map((l) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
  return [
    { path: at, type: "file", data: fs.readFileSync(file), mode: 0o755 },
    ...libs.map((l) => ({ path: l, type: "file" as const, data: fs.readFileSync(fs.realpathSync(l)), mode: 0o755 })),
  ];
}

/**
 * The host's (Debian's) bash, coreutils, util-linux... programs by name, at /usr/bin/NAME in the
 * guest with their libraries: what the workbench image has where busybox's applets differ.
 */
export function hostTools(names: readonly string[]): InitramfsEntry[] {
  const entries = names.flatMap((name) =>
    withLibraries(
      execFileSync("sh", ["-c", `command -v ${name}`])
        .toString()
        .trim(),
      `/usr/bin/${name}`,
    ),
  );
  return entries.filter((e, i) => entries.findIndex((o) => o.path === e.path) === i);
}
