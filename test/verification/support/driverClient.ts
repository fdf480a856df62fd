/** Starts checkDriver.ts under tsx and sends it checks. */
import { spawn, ChildProcess } from "child_process";
import * as path from "path";
import type { CheckOptions, CheckResult } from "../../../verification/check";

export interface Driver {
  check(kubeconfig: string, options: CheckOptions, timeoutMs?: number): Promise<CheckResult>;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, "../../..");

export function startDriver(): Driver {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(__dirname, "checkDriver.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let nextId = 1;
  let buffer = "";
  const pending = new Map<number, { resolve: (v: CheckResult) => void; reject: (e: Error) => void }>();
  child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString("utf8");
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
      let msg: { id: number; result?: CheckResult; error?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const p = pending.get(msg.id);
      if (!p) continue;
      pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result!);
    }
  });
  child.on("exit", () => {
    for (const p of pending.values()) p.reject(new Error("check driver exited"));
    pending.clear();
  });
  return {
    check(kubeconfig, options, timeoutMs = 20_000) {
      const id = nextId++;
      return new Promise<CheckResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`check ${id} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.stdin!.write(JSON.stringify({ id, kubeconfig, options }) + "\n");
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin!.end();
      });
    },
  };
}
