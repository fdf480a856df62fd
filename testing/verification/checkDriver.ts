/**
 * Runs the verification through the REAL @kubernetes/client-node transport, in a child process
 * (jest cannot load the ESM-only client). Reads JSON requests, one per line, on stdin:
 *   {"id": 1, "op": "check", "kubeconfig": "...", "options": {...CheckOptions}}
 *   {"id": 2, "op": "provider", "method": "create", "args": [...]}   (the provider object, called directly)
 * and answers {"id": 1, "result": ...} or {"id": 1, "error": "..."} on stdout.
 */
import * as readline from "readline";
import { createKubernetesTransport } from "../../verification/kubernetesTransport";
import { runCheck } from "../../verification/check";
import { tcpConnectVerificationProvider } from "../../verification/provider";

async function handle(req: {
  op?: string;
  kubeconfig?: string;
  options?: never;
  method?: string;
  args?: unknown[];
}): Promise<unknown> {
  if (req.op === "provider") {
    const fn = (tcpConnectVerificationProvider as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
      req.method ?? ""
    ];
    if (typeof fn !== "function") throw new Error(`no provider method ${req.method}`);
    return (await fn(...(req.args ?? []))) ?? null;
  }
  return runCheck(createKubernetesTransport(req.kubeconfig ?? ""), req.options!);
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let id: unknown = null;
  void (async () => {
    try {
      const req = JSON.parse(line);
      id = req.id;
      const result = await handle(req);
      process.stdout.write(JSON.stringify({ id, result }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ id, error: (err as Error).message }) + "\n");
    }
  })();
});
rl.on("close", () => process.exit(0));
