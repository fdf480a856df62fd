import {
  apiServerArgs,
  kubeconfig,
  kubeletArgs,
  kubeletConfig,
  qemuNetdev,
  tokenAuthFile,
  HOST_IN_GUEST,
  NODE_NAME,
} from "../../cluster/nodeConfig";

const ports = { etcdClient: 1, etcdPeer: 2, apiServer: 3443, registry: 4000, kubelet: 41234, control: 41235 };
const files = {
  dir: "/r",
  tokenFile: "/r/tokens.csv",
  serviceAccountKey: "/r/sa.key",
  serviceAccountPub: "/r/sa.pub",
  certDir: "/r/serving",
  etcdDataDir: "/r/etcd",
};

describe("the layout: control plane on 127.0.0.1, kubelet reached by its Hostname address", () => {
  test("the API server binds 127.0.0.1, prefers the Hostname address and advertises the guest's name for the host", () => {
    const args = apiServerArgs(ports, files);
    expect(args).toContain("--bind-address=127.0.0.1");
    expect(args).toContain("--secure-port=3443");
    expect(args).toContain("--kubelet-preferred-address-types=Hostname");
    expect(args).toContain(`--advertise-address=${HOST_IN_GUEST}`);
    expect(args).toContain("--authorization-mode=Node,RBAC");
  });

  test("the kubelet is named localhost, keeps a non-loopback node IP and listens on the forwarded port", () => {
    expect(NODE_NAME).toBe("localhost");
    expect(kubeletArgs()).toEqual(expect.arrayContaining(["--hostname-override=localhost", "--node-ip=10.0.2.15"]));
    expect(kubeletConfig(ports)).toMatchObject({ port: 41234, cgroupDriver: "cgroupfs" });
  });

  test("qemu: restrict=on; the host reaches only the kubelet and the control channel; the guest only the API server and the registry", () => {
    const netdev = qemuNetdev(ports, (p) => `socat - TCP:127.0.0.1:${p}`);
    expect(netdev.split(",")).toEqual([
      "user",
      "id=n0",
      "restrict=on",
      "hostfwd=tcp:127.0.0.1:41234-:41234",
      "hostfwd=tcp:127.0.0.1:41235-:7000",
      "guestfwd=tcp:10.0.2.100:6443-cmd:socat - TCP:127.0.0.1:3443",
      "guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:127.0.0.1:4000",
    ]);
  });
});

describe("credentials", () => {
  test("token file: groups quoted, none for a user without groups", () => {
    expect(
      tokenAuthFile([
        { token: "t1", user: "system:node:localhost", groups: ["system:nodes"] },
        { token: "t2", user: "verifier", groups: [] },
        { token: "t3", user: "admin", groups: ["system:masters", "ops"] },
      ]),
    ).toBe(
      't1,system:node:localhost,system:node:localhost,"system:nodes"\nt2,verifier,verifier\nt3,admin,admin,"system:masters,ops"\n',
    );
  });

  test("kubeconfig: one cluster with the CA and the TLS server name, one token user", () => {
    const kc = JSON.parse(
      kubeconfig({
        server: "https://10.0.2.100:6443",
        caPem: "PEM",
        token: "tok",
        user: "u",
        tlsServerName: "localhost",
      }),
    );
    expect(kc.clusters[0].cluster).toEqual({
      server: "https://10.0.2.100:6443",
      "certificate-authority-data": Buffer.from("PEM").toString("base64"),
      "tls-server-name": "localhost",
    });
    expect(kc.users).toEqual([{ name: "u", user: { token: "tok" } }]);
    expect(kc["current-context"]).toBe("acs-ebpf-node");
  });
});
