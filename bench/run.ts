/**
 * `npm run bench`: bulk review throughput. 10,000 Deployment manifests of the vendor document's
 * size (policy/testdata/vendor-deployment.yaml, renamed per copy), median of 3 runs, for:
 *   parse      js-yaml loadAll of one multi-document string
 *   rules      every default rule over the parsed objects
 *   files      `review`'s path (reviewPaths): 100 files x 100 documents read from a temp folder
 * Targets live here (never in a unit test): this machine must stay below them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { reviewPaths } from "../cli/review";
import { parseYamlDocuments, reviewDocuments } from "../policy/review";

const COUNT = 10_000;
const RUNS = 3;
const FILES = 100;
/** Seconds for 10,000 manifests (median). */
const TARGETS = { parse: 3, rules: 2, files: 6 };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function main(): number {
  const template = fs
    .readFileSync(path.join(__dirname, "..", "policy", "testdata", "vendor-deployment.yaml"), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
  const docs = Array.from({ length: COUNT }, (_, i) => template.replace(/acs-test-ebpf-demo/g, `acs-test-ebpf-demo-${i}`));
  const text = docs.join("---\n");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-bench-"));
  const perFile = COUNT / FILES;
  for (let f = 0; f < FILES; f++) fs.writeFileSync(path.join(dir, `m${String(f).padStart(3, "0")}.yaml`), docs.slice(f * perFile, (f + 1) * perFile).join("---\n"));

  const results = { parse: [] as number[], rules: [] as number[], files: [] as number[] };
  let violations = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      let parsed: unknown[] = [];
      results.parse.push(time(() => (parsed = parseYamlDocuments(text))));
      results.rules.push(time(() => (violations = reviewDocuments(parsed).violations.length)));
      results.files.push(time(() => reviewPaths([dir])));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(`bulk review: ${COUNT} Deployment manifests (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB), median of ${RUNS}, Node ${process.version}`);
  let ok = true;
  for (const key of Object.keys(TARGETS) as (keyof typeof TARGETS)[]) {
    const m = median(results[key]);
    const within = m <= TARGETS[key];
    ok &&= within;
    console.log(`  ${key.padEnd(6)} ${m.toFixed(2)} s  (${Math.round(COUNT / m)} manifests/s; runs ${results[key].map((r) => r.toFixed(2)).join(", ")}; target <= ${TARGETS[key]} s: ${within ? "met" : "MISSED"})`);
  }
  console.log(`  ${violations} violations per pass (${violations / COUNT} per manifest)`);
  return ok ? 0 : 1;
}

process.exitCode = main();
