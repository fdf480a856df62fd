/**
 * Runs the check through the REAL @kubernetes/client-node transport, in a child process (jest
 * cannot load the ESM-only client). Reads JSON requests, one per line, on stdin:
 *   {"id": 1, "kubeconfig": "...", "options": {...CheckOptions}}
 * and answers {"id": 1, "result": CheckResult} or {"id": 1, "error": "..."} on stdout.
 */
import * as readline from "readline";
import { createKubernetesTransport } from "../../../verification/kubernetesTransport";
import { runCheck } from "../../../verification/check";

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let id: unknown = null;
  void (async () => {
    try {
      const req = JSON.parse(line);
      id = req.id;
      const transport = createKubernetesTransport(req.kubeconfig);
      const result = await runCheck(transport, req.options);
      process.stdout.write(JSON.stringify({ id, result }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ id, error: (err as Error).message }) + "\n");
    }
  })();
});
rl.on("close", () => process.exit(0));
