/**
 * The project's local exec API server (testing/verification/fakeCluster.ts) as a guest
 * program: bundled to one file with esbuild and run by Node inside the guest, under the rendered
 * container's confinement, so every command the verification execs is a process of that
 * "container" on the guest's real kernel. Prints its kubeconfig on the console for the host.
 *   node api-server.js PORT TOKEN
 */
import { startFakeCluster } from "../../testing/verification/fakeCluster";
import { GUEST_API } from "../verifyInGuest";

const [port, token] = process.argv.slice(2);
startFakeCluster({
  ...GUEST_API,
  pods: [{ name: `${GUEST_API.deployment}-0` }],
  protocol: "v5.channel.k8s.io",
  token,
  env: { PATH: "/usr/local/bin:/usr/bin:/bin:/sbin" },
  lifetimeMs: 3_600_000,
  listen: { host: "0.0.0.0", port: Number(port) },
}).then(
  (cluster) => console.log(`@@api-server ${port} ${JSON.stringify(JSON.parse(cluster.kubeconfig))}`),
  (err) => console.log(`@@api-server-failed ${port} ${(err as Error).message}`),
);
