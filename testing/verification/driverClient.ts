/** Starts a JSON-lines child (checkDriver.ts under tsx, or a plain-node script) and sends it requests. */
import { spawn, ChildProcess } from "child_process";
import * as path from "path";
import type { CheckResult } from "../../verification/check";
import type { CheckOptions } from "../../verification/checkOptions";

export const ROOT = path.resolve(__dirname, "../..");

export interface JsonLinesChild {
  request<T>(payload: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export interface Driver extends JsonLinesChild {
  check(kubeconfig: string, options: CheckOptions, timeoutMs?: number): Promise<CheckResult>;
  provider<T>(method: string, args: unknown[], timeoutMs?: number): Promise<T>;
}

export function startJsonLinesChild(args: string[]): JsonLinesChild {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  let nextId = 1;
  let buffer = "";
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString("utf8");
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
      let msg: { id: number; result?: unknown; error?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const p = pending.get(msg.id);
      if (!p) continue;
      pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    }
  });
  child.on("exit", () => {
    for (const p of pending.values()) p.reject(new Error("child exited"));
    pending.clear();
  });
  return {
    request<T>(payload: Record<string, unknown>, timeoutMs = 20_000) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`request ${id} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.stdin!.write(JSON.stringify({ ...payload, id }) + "\n");
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
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

export function startDriver(): Driver {
  const child = startJsonLinesChild([
    path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
    path.join(__dirname, "checkDriver.ts"),
  ]);
  return {
    ...child,
    check: (kubeconfig, options, timeoutMs) =>
      child.request<CheckResult>({ op: "check", kubeconfig, options }, timeoutMs),
    provider: <T>(method: string, args: unknown[], timeoutMs?: number) =>
      child.request<T>({ op: "provider", method, args }, timeoutMs),
  };
}
