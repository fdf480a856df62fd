/**
 * The processes a cluster run starts: each detached in its own process group with its output in a
 * log file, its id recorded in the run's state file, so that the run (or a later `--stop`) ends
 * exactly those, by id, and nothing else.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface Started {
  name: string;
  pid: number;
  log: string;
}

export interface RunState {
  startedAt: string;
  processes: Started[];
  kubeconfig?: string;
}

export class ProcessGroup {
  readonly processes: Started[] = [];
  constructor(
    readonly stateFile: string,
    readonly logDir: string,
  ) {
    fs.mkdirSync(logDir, { recursive: true });
    this.save();
  }

  start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
    const log = path.join(this.logDir, `${name}.log`);
    const fd = fs.openSync(log, "a");
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, ...env },
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`${name}: ${command} could not be started`);
    child.on("error", () => undefined);
    child.unref();
    const started = { name, pid: child.pid, log };
    this.processes.push(started);
    this.save();
    return started;
  }

  alive(name: string): boolean {
    const p = this.processes.find((s) => s.name === name);
    return p !== undefined && isAlive(p.pid);
  }

  /** Ends one process (its group: qemu's forwarders with it) and forgets it. */
  async stop(name: string): Promise<void> {
    const i = this.processes.findIndex((s) => s.name === name);
    if (i < 0) return;
    await endGroup(this.processes[i].pid);
    this.processes.splice(i, 1);
    this.save();
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.processes].reverse()) await endGroup(p.pid);
    this.processes.length = 0;
    this.save();
  }

  save(extra: Partial<RunState> = {}): void {
    const previous = fs.existsSync(this.stateFile)
      ? (JSON.parse(fs.readFileSync(this.stateFile, "utf8")) as RunState)
      : undefined;
    const state: RunState = {
      startedAt: previous?.startedAt ?? new Date().toISOString(),
      ...previous,
      ...extra,
      processes: this.processes,
    };
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group this run started, SIGKILL after 5 s. */
async function endGroup(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // already gone
    }
  };
  if (!isAlive(pid)) return;
  signal("SIGTERM");
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  signal("SIGKILL");
  for (let i = 0; i < 20 && isAlive(pid); i++) await sleep(100);
}

/** Ends every process a state file names (`npm run cluster -- --stop`). */
export async function stopFromState(stateFile: string): Promise<Started[]> {
  if (!fs.existsSync(stateFile)) return [];
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as RunState;
  for (const p of [...state.processes].reverse()) await endGroup(p.pid);
  fs.rmSync(stateFile);
  return state.processes;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the time is up; then throws `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
  everyMs = 1000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until)
      throw new Error(
        `${what}: not within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${String((lastError as Error).message ?? lastError)})` : ""}`,
      );
    await sleep(everyMs);
  }
}
