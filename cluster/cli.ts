/**
 * `npm run cluster`: boots the single-node cluster (cluster/node.ts), runs the scenarios through
 * the real engine (cluster/scenarios.ts), prints the report (--json: cluster/report.ts), and ends
 * every process it started. `--keep` leaves the cluster running; `--stop` ends it.
 */
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseClusterArgs } from "./args";
import { startCluster, Cluster } from "./node";
import { NODE_KERNELS } from "./packages";
import { stopFromState } from "./processes";
import { ClusterReport, ScenarioResult, exitStatus, reportText, runScenario } from "./report";
import { SCENARIOS, SCENARIO_NAMES, ScenarioName, cleanUpAfterFailure, prepareStack } from "./scenarios";

const CACHE = path.join(process.env.ACS_EBPF_CACHE ?? path.join(os.homedir(), ".cache", "acs-ebpf"), "cluster");
const STATE_FILE = path.join(CACHE, "state.json");
const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);

/** The programs the run needs from the machine, each with where to get it. */
const PREREQUISITES: [string, string][] = [
  ["qemu-system-x86_64", "apt-get install qemu-system-x86"],
  ["socat", "apt-get install socat (qemu's guestfwd runs it per connection)"],
  ["mkfs.ext4", "apt-get install e2fsprogs"],
  ["xz", "apt-get install xz-utils"],
  ["dpkg-deb", "a Debian machine (dpkg)"],
  ["apt-get", "a Debian machine (apt; the packages are fetched through a private sources list)"],
  ["go", "Go >= 1.25 on PATH (e.g. /usr/local/go/bin)"],
];

function missingPrerequisites(): string[] {
  return PREREQUISITES.filter(([cmd]) => {
    try {
      execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  }).map(([cmd, how]) => `${cmd} (${how})`);
}

async function runKernel(kernel: string, names: readonly ScenarioName[], keep: boolean): Promise<ClusterReport> {
  log(`booting a single-node cluster on kernel ${kernel} (${NODE_KERNELS[kernel]})`);
  const started = Date.now();
  let cluster: Cluster | undefined;
  const results: ScenarioResult[] = [];
  const stopOnSignal = () => {
    void cluster?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const boot = await runScenario("node-ready", async () => {
      cluster = await startCluster({ cacheDir: CACHE, runDir: path.join(CACHE, "run"), kernel, log });
      const t = cluster.timings;
      return `API server ready ${t.apiServerReady} s, image pushed ${t.imagePushed} s, containerd ${t.containerdReady} s, node Ready ${t.nodeReady} s after the start (binaries and packages cached: ${t.packages} s)`;
    });
    results.push(boot);
    log(`${boot.ok ? "ok" : "FAILED"} node-ready: ${boot.detail}`);
    if (!cluster) return { node: null, probe: null, scenarios: results };
    const run = await prepareStack(cluster, log);
    try {
      for (const name of names) {
        const r = await runScenario(name, () => SCENARIOS[name](run));
        results.push(r);
        log(`${r.ok ? "ok" : "FAILED"} ${name} (${r.seconds.toFixed(1)} s): ${r.detail}`);
        if (!r.ok) for (const line of await cleanUpAfterFailure(run)) log(`after ${name}: ${line}`);
      }
    } finally {
      if (!keep) run.ws.cleanup();
    }
    return { node: run.node ?? null, probe: run.probe ?? null, scenarios: results };
  } finally {
    process.removeListener("SIGINT", stopOnSignal);
    process.removeListener("SIGTERM", stopOnSignal);
    if (cluster && !keep) await cluster.stop();
    log(`kernel ${kernel}: ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

async function main(): Promise<number> {
  const args = parseClusterArgs(process.argv.slice(2), Object.keys(NODE_KERNELS), SCENARIO_NAMES);
  if (args.stop) {
    const stopped = await stopFromState(STATE_FILE);
    log(
      stopped.length
        ? `stopped ${stopped.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`
        : "no cluster was running",
    );
    return 0;
  }
  const missing = missingPrerequisites();
  if (missing.length) {
    log(`missing: ${missing.join("; ")}`);
    return 2;
  }
  if ((await stopFromState(STATE_FILE)).length)
    log("ended the processes of an earlier run (its state file named them)");
  const names = args.scenarios.length ? (args.scenarios as ScenarioName[]) : [...SCENARIO_NAMES];
  const reports: (ClusterReport & { kernelChoice: string })[] = [];
  for (const kernel of args.kernels)
    reports.push({ kernelChoice: kernel, ...(await runKernel(kernel, names, args.keep)) });
  for (const r of reports) process.stderr.write(`\n== kernel ${r.kernelChoice}\n${reportText(r)}\n`);
  if (args.json) {
    const strip = ({ kernelChoice: _k, ...r }: ClusterReport & { kernelChoice: string }) => r;
    process.stdout.write(
      JSON.stringify(
        reports.length === 1 ? strip(reports[0]) : reports.map((r) => ({ kernel: r.kernelChoice, ...strip(r) })),
        null,
        2,
      ) + "\n",
    );
  }
  if (args.keep)
    log(
      `left running; kubectl --kubeconfig ${path.join(CACHE, "run", "pki", "admin.kubeconfig")} get nodes; npm run cluster -- --stop ends it`,
    );
  return reports.every((r) => exitStatus(r) === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
