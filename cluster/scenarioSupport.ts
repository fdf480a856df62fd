/**
 * What every scenario file (cluster/scenarios.ts, cluster/memlock.ts) uses: its assertion, and a
 * command run in a container through the kubelet's exec with the admin identity.
 */
import type { Cluster } from "./node";
import { createKubernetesTransport } from "../verification/kubernetesTransport";

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs `command` in a container through the kubelet's exec (admin identity); its stdout, or an error naming the outcome. */
export async function execInPod(
  cluster: Pick<Cluster, "adminKubeconfig">,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
): Promise<string> {
  const t = createKubernetesTransport(cluster.adminKubeconfig);
  let out = "";
  let err = "";
  const session = await t.exec(namespace, pod, container, command, {
    onStdout: (c) => (out += c),
    onStderr: (c) => (err += c),
  });
  const outcome = await session.done;
  if (outcome.kind !== "exited" || outcome.exitCode !== 0)
    throw new Error(`exec ${command.join(" ")} in ${pod}: ${JSON.stringify(outcome)} ${err.trim()}`);
  return out;
}
