/**
 * The single-node cluster's layout and every file and flag its parts start with. Pure module: the
 * shell (cluster/node.ts) writes these out and starts the processes.
 *
 * Layout (docs/cluster.md "Layout"): etcd, the API server, the controller manager, the scheduler
 * and the registry run on the host, each listening on 127.0.0.1 only; containerd, runc and the
 * kubelet run in a qemu TCG guest (trixie's runc needs trixie's libc; the pod needs a kernel of
 * its own). The guest keeps qemu's `restrict=on` user network and reaches the host only through
 * `guestfwd` rules (API server, registry). The API server reaches the kubelet through a `hostfwd`
 * on 127.0.0.1: the kubelet's node name is `localhost`, the API server prefers the Hostname
 * address, and the kubelet listens in the guest on the same port the host forwards, so
 * `localhost:<kubeletPort>` on the host is the kubelet.
 */

/** The name the guest gives to the host side of the guestfwd rules. */
export const HOST_IN_GUEST = "10.0.2.100";
/** The guest's own address on qemu's user network. */
const GUEST_IP = "10.0.2.15";
/** The node name, which resolves to 127.0.0.1 on the host (see the layout above). */
export const NODE_NAME = "localhost";
/**
 * The registry's name in image references and the pull Secret: an ACR enterprise-instance name,
 * because the components accept only ACR hosts. Only the guest's /etc/hosts resolves it (to
 * HOST_IN_GUEST, port 80, guestfwd to the host's registry on 127.0.0.1): nothing leaves the machine.
 */
export const REGISTRY_HOST = "acs-ebpf-cluster-registry-vpc.cn-hangzhou.cr.aliyuncs.com";
/** Ports in the guest for the guestfwd rules (the host ports are chosen free per run). */
export const GUEST_API_PORT = 6443;
const GUEST_REGISTRY_PORT = 80;
const GUEST_CONTROL_PORT = 7000;
const POD_SUBNET = "10.88.0.0/16";
const SERVICE_SUBNET = "10.96.0.0/24";
/** The pod sandbox image, imported into containerd at boot (never pulled). */
export const PAUSE_IMAGE = "acs-ebpf.invalid/pause:1";
/** The user the verification authenticates as (a static token); the stack's Role binds it. */
export const VERIFIER_USER = "acs-ebpf-verifier";
export const KUBERNETES_VERSION = "v1.35.4";

export interface HostPorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  registry: number;
  /** Host and guest both: the hostfwd keeps the number, so the node's daemon endpoint is right on the host. */
  kubelet: number;
  /** host → the guest's control channel (cluster/guest/node-control) on GUEST_CONTROL_PORT */
  control: number;
}

/** The static tokens of the API server (`--token-auth-file`): user, uid, groups. */
export interface TokenUser {
  token: string;
  user: string;
  groups: string[];
}

export interface ControlPlaneFiles {
  dir: string;
  tokenFile: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  certDir: string;
  etcdDataDir: string;
}

/** `--token-auth-file` CSV: token,user,uid[,"group1,group2"]. */
export function tokenAuthFile(users: readonly TokenUser[]): string {
  return users
    .map((u) => `${u.token},${u.user},${u.user}${u.groups.length ? `,"${u.groups.join(",")}"` : ""}\n`)
    .join("");
}

export function etcdArgs(ports: HostPorts, dataDir: string): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    "--name=node",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=node=${peer}`,
    "--listen-metrics-urls=",
    // A test cluster: losing the last writes on a host crash costs nothing, fsync costs seconds.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

export function apiServerArgs(ports: HostPorts, files: ControlPlaneFiles): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${ports.apiServer}`,
    // What the guest dials (guestfwd); also lands in the self-signed serving certificate.
    `--advertise-address=${HOST_IN_GUEST}`,
    `--cert-dir=${files.certDir}`,
    `--token-auth-file=${files.tokenFile}`,
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    `--service-cluster-ip-range=${SERVICE_SUBNET}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${files.serviceAccountPub}`,
    `--service-account-signing-key-file=${files.serviceAccountKey}`,
    // The node's Hostname address is `localhost`: on the host that is the kubelet's hostfwd.
    "--kubelet-preferred-address-types=Hostname",
    "--profiling=false",
    "--v=1",
  ];
}

export function controllerManagerArgs(kubeconfig: string, rootCa: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--root-ca-file=${rootCa}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    "--secure-port=0",
    // No cloud, no service load balancers, no node IPAM: the CNI config in the guest owns pod IPs.
    "--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle,-node-route-controller",
    "--v=1",
  ];
}

export function schedulerArgs(kubeconfig: string): string[] {
  return [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0", "--v=1"];
}

/** The kubelet's KubeletConfiguration (JSON is YAML). */
export function kubeletConfig(ports: HostPorts): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    port: ports.kubelet,
    address: "0.0.0.0",
    // The API server's calls reach the kubelet only through the host's 127.0.0.1 forward; the
    // kubelet trusts them without a client certificate (docs/cluster.md "What is simplified").
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    cgroupDriver: "cgroupfs",
    containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    failSwapOn: false,
    resolvConf: "/etc/resolv.conf",
    // A small guest disk and memory: no eviction (or disk-pressure taint) on a test node.
    evictionHard: { "memory.available": "20Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    syncFrequency: "10s",
    nodeStatusUpdateFrequency: "5s",
    fileCheckFrequency: "5s",
    registerNode: true,
    volumeStatsAggPeriod: "0s",
    logging: { verbosity: 1 },
  };
}

export function kubeletArgs(): string[] {
  return [
    "--config=/etc/kubernetes/kubelet.json",
    "--kubeconfig=/etc/kubernetes/kubelet.kubeconfig",
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${GUEST_IP}`,
    "--cert-dir=/var/lib/kubelet/pki",
  ];
}

export interface KubeconfigInput {
  server: string;
  caPem: string;
  token: string;
  user: string;
  /** The name in the serving certificate, when the address dialled is not in it. */
  tlsServerName?: string;
  namespace?: string;
}

/** A kubeconfig (JSON, which is YAML) with one cluster, one token user and one context. */
export function kubeconfig(k: KubeconfigInput): string {
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "acs-ebpf-node",
          cluster: {
            server: k.server,
            "certificate-authority-data": Buffer.from(k.caPem).toString("base64"),
            ...(k.tlsServerName ? { "tls-server-name": k.tlsServerName } : {}),
          },
        },
      ],
      users: [{ name: k.user, user: { token: k.token } }],
      contexts: [
        {
          name: "acs-ebpf-node",
          context: { cluster: "acs-ebpf-node", user: k.user, ...(k.namespace ? { namespace: k.namespace } : {}) },
        },
      ],
      "current-context": "acs-ebpf-node",
    },
    null,
    2,
  );
}

/** containerd 1.7's config (version 2): CRI with runc, the CNI bridge, the registry by hosts.toml. */
export function containerdConfig(): string {
  return `version = 2
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
`;
}

/** hosts.toml for the registry: plain HTTP inside the guest's user network (the host side is 127.0.0.1). */
export function registryHostsToml(): string {
  const server = `http://${REGISTRY_HOST}`;
  return `server = "${server}"\n\n[host."${server}"]\n  capabilities = ["pull", "resolve"]\n`;
}

export function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "pods",
      plugins: [
        {
          type: "bridge",
          bridge: "cni0",
          isGateway: true,
          ipMasq: false,
          ipam: { type: "host-local", ranges: [[{ subnet: POD_SUBNET }]], routes: [{ dst: "0.0.0.0/0" }] },
        },
      ],
    },
    null,
    2,
  );
}

/** docker-registry (distribution 2.8) on 127.0.0.1 with htpasswd auth. */
export function registryConfig(port: number, storageDir: string, htpasswdFile: string): string {
  return [
    "version: 0.1",
    "log:",
    "  level: warn",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${storageDir}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "auth:",
    "  htpasswd:",
    "    realm: acs-ebpf",
    `    path: ${htpasswdFile}`,
    "",
  ].join("\n");
}

/** qemu's user network: the guest reaches only the API server and the registry; the host reaches the kubelet. */
export function qemuNetdev(ports: HostPorts, forwarder: (port: number) => string): string {
  return [
    "user",
    "id=n0",
    "restrict=on",
    `hostfwd=tcp:127.0.0.1:${ports.kubelet}-:${ports.kubelet}`,
    `hostfwd=tcp:127.0.0.1:${ports.control}-:${GUEST_CONTROL_PORT}`,
    `guestfwd=tcp:${HOST_IN_GUEST}:${GUEST_API_PORT}-cmd:${forwarder(ports.apiServer)}`,
    `guestfwd=tcp:${HOST_IN_GUEST}:${GUEST_REGISTRY_PORT}-cmd:${forwarder(ports.registry)}`,
  ].join(",");
}
