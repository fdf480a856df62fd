/**
 * Starts the single-node cluster (layout: cluster/nodeConfig.ts) and returns what the scenarios
 * need: the admin endpoint and kubeconfig, the registry's credentials, the workbench image by
 * digest, and a handle on the node (kubelet restart, logs).
 */
import { execFileSync } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ApiEndpoint, apiRequest } from "./api";
import { buildClusterBinaries } from "./builds";
import { moduleEntries, nodeDisk, nodeInitramfs } from "./guestRoot";
import { pauseTarball, pushImage, workbenchFolder } from "./images";
import {
  GUEST_API_PORT,
  HOST_IN_GUEST,
  HostPorts,
  NODE_NAME,
  REGISTRY_HOST,
  TokenUser,
  VERIFIER_USER,
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  kubeconfig,
  kubeletArgs,
  kubeletConfig,
  qemuNetdev,
  registryConfig,
  schedulerArgs,
  tokenAuthFile,
} from "./nodeConfig";
import {
  GUEST_PACKAGES,
  HOST_PACKAGES,
  IMAGE_PACKAGES,
  NODE_KERNELS,
  kernelPackage,
  unpackedPackages,
} from "./packages";
import { ProcessGroup, freePort, waitFor } from "./processes";
import { nodeReadiness } from "./status";

export interface ClusterOptions {
  cacheDir: string;
  runDir: string;
  kernel: keyof typeof NODE_KERNELS | string;
  log: (line: string) => void;
}

export interface Cluster {
  group: ProcessGroup;
  admin: ApiEndpoint;
  adminKubeconfig: string;
  adminKubeconfigFile: string;
  /** The verifier's kubeconfig (user VERIFIER_USER: no rights until a Role binds it). */
  verifierKubeconfig: string;
  /** The API server's CA (self-signed by the API server at its first start). */
  caPem: string;
  server: string;
  registry: { server: string; username: string; password: string };
  /** The workbench image by digest, as the pod pulls it. */
  workbenchImage: string;
  /** Pushes the workbench's files again under another label: a new digest the node has not pulled. */
  pushVariant(label: string): string;
  ports: HostPorts;
  timings: Record<string, number>;
  /** One request on the guest's control channel (cluster/guest/node-control). */
  control(command: string): Promise<string>;
  stop(): Promise<void>;
}

function secret(): string {
  return randomBytes(24).toString("hex");
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (what: string) => (timings[what] = Math.round((Date.now() - t0) / 100) / 10);
  const release = NODE_KERNELS[o.kernel];
  if (!release) throw new Error(`--kernel ${o.kernel}: expected one of ${Object.keys(NODE_KERNELS).join(", ")}`);
  const kernel = kernelPackage(release);
  const bins = buildClusterBinaries(o.cacheDir, o.log);
  mark("binaries");
  const pkgs = unpackedPackages(o.cacheDir, [...GUEST_PACKAGES, ...HOST_PACKAGES, ...IMAGE_PACKAGES, kernel], o.log);
  mark("packages");

  fs.rmSync(o.runDir, { recursive: true, force: true });
  fs.mkdirSync(o.runDir, { recursive: true, mode: 0o700 });
  const group = new ProcessGroup(path.join(path.dirname(o.runDir), "state.json"), path.join(o.runDir, "logs"));
  const stop = () => group.stopAll();
  try {
    const ports: HostPorts = {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      apiServer: await freePort(),
      registry: await freePort(),
      kubelet: await freePort(),
      control: await freePort(),
    };
    // --- control plane on the host (127.0.0.1 only) ---
    const pki = path.join(o.runDir, "pki");
    fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
    const files = {
      dir: o.runDir,
      tokenFile: path.join(pki, "tokens.csv"),
      serviceAccountKey: path.join(pki, "sa.key"),
      serviceAccountPub: path.join(pki, "sa.pub"),
      certDir: path.join(pki, "serving"),
      etcdDataDir: path.join(o.runDir, "etcd"),
    };
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(files.serviceAccountKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    fs.writeFileSync(files.serviceAccountPub, publicKey.export({ type: "spki", format: "pem" }));
    const users = {
      admin: { token: secret(), user: "acs-ebpf-admin", groups: ["system:masters"] },
      kubelet: { token: secret(), user: `system:node:${NODE_NAME}`, groups: ["system:nodes"] },
      controllerManager: { token: secret(), user: "system:kube-controller-manager", groups: ["system:masters"] },
      scheduler: { token: secret(), user: "system:kube-scheduler", groups: ["system:masters"] },
      // The verification's identity: only what the stack's Role grants it.
      verifier: { token: secret(), user: VERIFIER_USER, groups: [] },
    } satisfies Record<string, TokenUser>;
    fs.writeFileSync(files.tokenFile, tokenAuthFile(Object.values(users)), { mode: 0o600 });
    const bin = path.join(o.runDir, "bin");
    fs.mkdirSync(bin);
    for (const name of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"])
      fs.symlinkSync(bins.kube, path.join(bin, name));
    const etcd = path.join(pkgs.get("etcd-server")!, "usr/bin/etcd");
    group.start("etcd", etcd, etcdArgs(ports, files.etcdDataDir));
    group.start("kube-apiserver", path.join(bin, "kube-apiserver"), apiServerArgs(ports, files));
    const server = `https://127.0.0.1:${ports.apiServer}`;
    const caFile = path.join(files.certDir, "apiserver.crt");
    const caPem = await waitFor("the API server's self-signed certificate", 120_000, () =>
      fs.existsSync(caFile) && fs.statSync(caFile).size > 0 ? fs.readFileSync(caFile, "utf8") : undefined,
    );
    const admin: ApiEndpoint = { server, caPem, token: users.admin.token };
    await waitFor("the API server's /readyz", 180_000, async () => {
      if (!group.alive("kube-apiserver"))
        throw new Error(`the API server exited; see ${group.logDir}/kube-apiserver.log`);
      const r = await apiRequest(admin, "GET", "/readyz");
      return r.status === 200 ? true : undefined;
    });
    mark("apiServerReady");
    const hostKubeconfig = (u: TokenUser) => kubeconfig({ server, caPem, token: u.token, user: u.user });
    const writeSecretFile = (name: string, data: string) => {
      const f = path.join(pki, name);
      fs.writeFileSync(f, data, { mode: 0o600 });
      return f;
    };
    const adminKubeconfig = hostKubeconfig(users.admin);
    const adminKubeconfigFile = writeSecretFile("admin.kubeconfig", adminKubeconfig);
    group.start(
      "kube-controller-manager",
      path.join(bin, "kube-controller-manager"),
      controllerManagerArgs(
        writeSecretFile("controller-manager.kubeconfig", hostKubeconfig(users.controllerManager)),
        caFile,
      ),
    );
    group.start(
      "kube-scheduler",
      path.join(bin, "kube-scheduler"),
      schedulerArgs(writeSecretFile("scheduler.kubeconfig", hostKubeconfig(users.scheduler))),
    );

    // --- the registry (127.0.0.1, htpasswd) and the images ---
    const registry = { username: "acs-ebpf", password: secret() };
    const htpasswd = execFileSync(bins.oci, ["htpasswd", registry.username], { input: registry.password }).toString();
    const registryDir = path.join(o.runDir, "registry");
    fs.mkdirSync(registryDir);
    const htpasswdFile = writeSecretFile("htpasswd", htpasswd);
    const registryConfigFile = path.join(registryDir, "config.yml");
    fs.writeFileSync(
      registryConfigFile,
      registryConfig(ports.registry, path.join(registryDir, "storage"), htpasswdFile),
    );
    group.start("registry", path.join(pkgs.get("docker-registry")!, "usr/bin/docker-registry"), [
      "serve",
      registryConfigFile,
    ]);
    await waitFor("the registry", 30_000, () => portOpen(ports.registry));
    const folder = workbenchFolder(path.join(o.runDir, "workbench-root"), {
      busybox: path.join(pkgs.get("busybox-static")!, "usr/bin/busybox"),
      bashStatic: path.join(pkgs.get("bash-static")!, "usr/bin/bash-static"),
      tracer: bins.tracer,
      userland: {
        setpriv: path.join(pkgs.get("util-linux")!, "usr/bin/setpriv"),
        timeout: path.join(pkgs.get("coreutils")!, "usr/bin/timeout"),
        libc6: pkgs.get("libc6")!,
        libcapNg: pkgs.get("libcap-ng0")!,
      },
    });
    const digest = pushImage(bins.oci, folder, `127.0.0.1:${ports.registry}/acs-ebpf/ebpf-workbench:cluster`, registry);
    const workbenchImage = `${REGISTRY_HOST}/acs-ebpf/ebpf-workbench@${digest}`;
    mark("imagePushed");

    // --- the node: containerd, runc and the kubelet in a qemu TCG guest ---
    const pause = pauseTarball(bins.oci, bins.pause, path.join(o.cacheDir, "images"));
    const disk = nodeDisk(
      o.cacheDir,
      { packages: pkgs, guestPackages: GUEST_PACKAGES.map((p) => p.package), kubeBinary: bins.kube, pauseTar: pause },
      o.log,
    );
    const kernelRoot = pkgs.get(kernel.package)!;
    const initrd = path.join(o.runDir, "initramfs.cpio");
    fs.writeFileSync(
      initrd,
      nodeInitramfs(path.join(pkgs.get("busybox-static")!, "usr/bin/busybox"), moduleEntries(kernelRoot, release), [
        { path: "etc/kubernetes/kubelet.json", data: JSON.stringify(kubeletConfig(ports), null, 2) },
        { path: "etc/kubernetes/kubelet.args", data: kubeletArgs().join(" ") + "\n" },
        {
          path: "etc/kubernetes/kubelet.kubeconfig",
          data: kubeconfig({
            server: `https://${HOST_IN_GUEST}:${GUEST_API_PORT}`,
            caPem,
            token: users.kubelet.token,
            user: users.kubelet.user,
          }),
        },
      ]),
      { mode: 0o600 },
    );
    mark("diskReady");
    const console = path.join(group.logDir, "console.log");
    group.start("qemu", "qemu-system-x86_64", [
      "-accel",
      "tcg",
      "-cpu",
      "max",
      "-smp",
      "2",
      "-m",
      "2048",
      "-nodefaults",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      `file:${console}`,
      "-no-reboot",
      "-drive",
      `file=${disk},if=virtio,format=raw,snapshot=on`,
      "-netdev",
      qemuNetdev(ports, (port) => `socat - TCP:127.0.0.1:${port}`),
      "-device",
      "virtio-net-pci,netdev=n0",
      "-kernel",
      path.join(kernelRoot, "boot", `vmlinuz-${release}`),
      "-initrd",
      initrd,
      "-append",
      "console=ttyS0 no_timer_check panic=-1 quiet loglevel=3 rw",
    ]);
    await waitFor("the node's containerd", 300_000, () => {
      if (!group.alive("qemu")) throw new Error(`qemu exited; see ${console} and ${group.logDir}/qemu.log`);
      const text = fs.existsSync(console) ? fs.readFileSync(console, "utf8") : "";
      if (/@@fatal/.test(text))
        throw new Error(`the node failed to boot: ${/@@fatal.*/.exec(text)![0]}; see ${console}`);
      return /@@containerd ready/.test(text) ? true : undefined;
    });
    mark("containerdReady");
    await waitFor(
      `node ${NODE_NAME} Ready`,
      300_000,
      async () => {
        const r = await apiRequest(admin, "GET", `/api/v1/nodes/${NODE_NAME}`);
        return r.status === 200 && nodeReadiness(r.body).ready ? true : undefined;
      },
      2000,
    );
    mark("nodeReady");
    group.save({ kubeconfig: adminKubeconfigFile });
    const control = (command: string) => controlRequest(ports.control, command);
    return {
      group,
      admin,
      adminKubeconfig,
      adminKubeconfigFile,
      verifierKubeconfig: hostKubeconfig(users.verifier),
      caPem,
      server,
      registry: { server: REGISTRY_HOST, ...registry },
      workbenchImage,
      pushVariant: (label: string) =>
        `${REGISTRY_HOST}/acs-ebpf/ebpf-workbench@${pushImage(bins.oci, folder, `127.0.0.1:${ports.registry}/acs-ebpf/ebpf-workbench:${label}`, registry, { "io.acs-ebpf.cluster.variant": label })}`,
      ports,
      timings,
      control,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function portOpen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(undefined));
  });
}

/** One command on the node's control channel; resolves with its output (without the @@end line). */
function controlRequest(port: number, command: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let out = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`node control "${command}": no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    s.on("connect", () => s.write(`${command}\n`));
    s.on("data", (d) => {
      out += d.toString("utf8");
      const end = /@@end (\d+)/.exec(out);
      if (end) {
        clearTimeout(timer);
        s.destroy();
        if (end[1] !== "0") reject(new Error(`node control "${command}": status ${end[1]}: ${out.trim()}`));
        else resolve(out.slice(0, end.index));
      }
    });
    s.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
