/**
 * `npm run bench [-- --json] [-- --only review,trace-parser,components,verification]`: speed targets as ratios to a baseline measured in
 * the same run (never in unit tests). Each figure is the median of at least 5 runs.
 *   review-10000-deployments        review vs js-yaml parsing only           ratio <= 1.5
 *   trace-parser-1000000-lines      trace parser vs its validation floor      ratio <= 2, heap flat (ratio to a plain split reported)
 *   ebpf-workload-500               EbpfWorkload vs raw Deployments (mocks)   ratio <= 1.5
 *   verification-ready-to-verified  Ready → verified vs the tracer's attach   <= attach + 2 s
 * plus peak memory of the 10,000-manifest review and 10,000 files with bad ones among them.
 * Exit 1 when a target is missed.
 *
 * `npm run bench -- --peers [--json] [--peers-budget SECONDS] [--peers-only kubeconform,...] [--no-build]` instead times the
 * reviewer against the tools users would pick instead and compares their verdicts (bench/peers/).
 */
import * as os from "os";
import { BenchResult } from "./measure";
import { componentBenchmarks } from "./components";
import { reviewBenchmarks } from "./review";
import { traceParserBenchmarks } from "./traceParser";
import { verificationBenchmarks } from "./verification";
import { peerBenchmarks, timingTable, verdictDetails, verdictTable } from "./peers/suite";

const SUITES: Record<string, () => Promise<BenchResult[]>> = {
  review: reviewBenchmarks,
  "trace-parser": traceParserBenchmarks,
  components: componentBenchmarks,
  verification: verificationBenchmarks,
};

function describeMachine(): string {
  const cpus = os.cpus();
  // The load average says how much of the machine other processes took while this ran.
  return `Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} x ${cpus[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0].toFixed(1)}`;
}

async function peers(argv: string[], json: boolean): Promise<number> {
  const budgetArg = argv.includes("--peers-budget") ? Number(argv[argv.indexOf("--peers-budget") + 1]) : 300;
  if (!(budgetArg > 0)) {
    console.error(
      `--peers-budget: ${JSON.stringify(argv[argv.indexOf("--peers-budget") + 1])} is not accepted; expected seconds > 0`,
    );
    return 2;
  }
  const { rows, verdicts } = await peerBenchmarks({
    budgetMs: budgetArg * 1000,
    build: !argv.includes("--no-build"),
    only: argv.includes("--peers-only") ? argv[argv.indexOf("--peers-only") + 1]?.split(",") : undefined,
    log: (line) => console.error(line),
    progress: (row) => console.error(JSON.stringify(row)),
  });
  if (json) console.log(JSON.stringify({ machine: describeMachine(), rows, verdicts }, null, 2));
  else {
    console.log(
      `peers on ${describeMachine()}\n\n${timingTable(rows)}\n\n${verdictTable(verdicts)}\n\n${verdictDetails(verdicts)}`,
    );
    for (const r of rows) if (r.note) console.log(`${r.tool} @${r.docs}: ${r.note}`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  if (argv.includes("--peers")) return peers(argv, json);
  const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1]?.split(",") : undefined;
  const unknown = only?.filter((o) => !(o in SUITES));
  if (unknown?.length) {
    console.error(
      `--only: ${unknown.join(", ")} is not accepted; expected a comma-separated list of: ${Object.keys(SUITES).join(", ")}`,
    );
    return 2;
  }
  const results: BenchResult[] = [];
  for (const [name, suite] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    if (!json) console.error(`running ${name} ...`);
    results.push(...(await suite()));
  }
  if (json) {
    console.log(JSON.stringify({ machine: describeMachine(), results }, null, 2));
  } else {
    console.log(`bench on ${describeMachine()}`);
    for (const r of results) {
      const target =
        typeof r.ratio_to_validation_floor === "number"
          ? `ratio ${r.ratio}; ${r.ratio_to_validation_floor} x its validation floor (target <= ${r.target_ratio})`
          : r.target_ratio !== null
            ? `ratio ${r.ratio} (target <= ${r.target_ratio})`
            : `ratio ${r.ratio}`;
      console.log(
        `${r.met ? "met   " : "MISSED"} ${r.name}: median ${r.median_ms} (min ${r.min_ms}, max ${r.max_ms}) vs baseline ${r.baseline_median_ms}; ${target}`,
      );
      console.log(`       ${r.description}`);
    }
  }
  return results.every((r) => r.met) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(err);
    process.exitCode = 2;
  },
);
