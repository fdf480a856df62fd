/**
 * Bulk review: 10,000 Deployments of the vendor document's size, 100 files of 100, against only
 * parsing the same files with the same YAML library (js-yaml); peak memory of each in a process of
 * its own; and 10,000 files of which some are malformed or unreadable. The reviewer measured is the
 * one that ships (see shippedReviewer).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { BenchResult, MIN_RUNS, compare, median, result, round } from "./measure";
import { shippedReviewer } from "./reviewChild";

const ROOT = path.join(__dirname, "..");
const COUNT = 10_000;
const FILES = 100;

function vendorManifests(count: number): string[] {
  const template = fs
    .readFileSync(path.join(ROOT, "policy", "testdata", "vendor-deployment.yaml"), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
  return Array.from({ length: count }, (_, i) => template.replace(/acs-test-ebpf-demo/g, `acs-test-ebpf-demo-${i}`));
}

interface ChildRun {
  ms: number;
  maxRssMb: number;
  reviewed: number;
  violations?: number;
  errorFiles: string[];
}

function child(mode: "review" | "parse", dir: string): ChildRun {
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, "reviewChild.ts"), mode, dir], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as ChildRun;
}

/**
 * The shipped command (dist/cli/review.js, JSON written to /dev/null) on one file in a process of
 * its own: its wall time and peak RSS. The process runs nothing else (no tsx loader).
 */
function command(file: string): { ms: number; maxRssMb: number; exitCode: number } {
  const script = `const c = require(${JSON.stringify(path.join(ROOT, "dist", "cli", "review.js"))});
const s = performance.now();
const exitCode = c.run(["--format", "json", "--output", "/dev/null", ${JSON.stringify(file)}]);
console.log(JSON.stringify({ ms: performance.now() - s, maxRssMb: process.resourceUsage().maxRSS / 1024, exitCode }));`;
  const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").pop()!) as { ms: number; maxRssMb: number; exitCode: number };
}

/** One multi-document file of `count` vendor-size Deployments, written a document at a time. */
function writeStream(file: string, count: number): void {
  const [template] = vendorManifests(1);
  const fd = fs.openSync(file, "w");
  try {
    for (let i = 0; i < count; i++)
      fs.writeSync(fd, `${i ? "---\n" : ""}${template.replace(/acs-test-ebpf-demo-0/g, `acs-test-ebpf-demo-${i}`)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Peak RSS of the command reviewing one stream of 10,000 and one of 100,000 Deployments: under 100 MB each. */
function streamMemory(dir: string): BenchResult[] {
  const out: BenchResult[] = [];
  for (const [count, runs] of [
    [10_000, 3],
    [100_000, 1],
  ]) {
    const file = path.join(dir, `stream-${count}.yaml`);
    writeStream(file, count);
    const measured = Array.from({ length: runs }, () => command(file));
    fs.rmSync(file, { force: true });
    const rss = measured.map((m) => m.maxRssMb);
    const r = result(
      `review-stream-${count}-deployments-peak-memory`,
      `peak RSS (MB) of the shipped command reviewing one multi-document stream of ${count} vendor-size Deployments (${runs} run(s), JSON to /dev/null); target < ${STREAM_RSS_MB} MB, met by the worst run`,
      rss,
      rss,
      null,
      Math.max(...rss) < STREAM_RSS_MB && measured.every((m) => m.exitCode === 1),
    );
    r.unit = "MB";
    r.wall_median_ms = round(median(measured.map((m) => m.ms)));
    out.push(r);
  }
  return out;
}

const STREAM_RSS_MB = 100;

export async function reviewBenchmarks(): Promise<BenchResult[]> {
  const { reviewPaths } = shippedReviewer();
  const docs = vendorManifests(COUNT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-bench-review-"));
  const loadDir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-bench-load-"));
  try {
    const perFile = COUNT / FILES;
    const files: string[] = [];
    for (let f = 0; f < FILES; f++) {
      const file = path.join(dir, `m${String(f).padStart(3, "0")}.yaml`);
      fs.writeFileSync(file, docs.slice(f * perFile, (f + 1) * perFile).join("---\n"));
      files.push(file);
    }
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);

    let violations = 0;
    const review = await compare(
      "review-10000-deployments",
      `the shipped reviewer (dist/, as acs-ebpf-review runs it) over ${COUNT} vendor-size Deployments (${FILES} files, ${(bytes / 1e6).toFixed(1)} MB, line of every violation) vs reading and js-yaml loadAll of the same files; target ratio <= 1.5`,
      () => {
        violations = reviewPaths([dir]).violations.length;
      },
      () => {
        for (const f of files) yaml.loadAll(fs.readFileSync(f, "utf8"));
      },
      1.5,
    );
    review.violations_per_run = violations;

    // Peak memory, each in its own process.
    const reviewMem: number[] = [];
    const parseMem: number[] = [];
    const reviewColdMs: number[] = [];
    const parseColdMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const parsed = child("parse", dir);
      const reviewed = child("review", dir);
      parseMem.push(parsed.maxRssMb);
      reviewMem.push(reviewed.maxRssMb);
      parseColdMs.push(parsed.ms);
      reviewColdMs.push(reviewed.ms);
    }
    // What one `acs-ebpf-review` run on the same files sees: a fresh process, code not yet optimized.
    review.cold_process_median_ms = round(median(reviewColdMs));
    review.cold_process_baseline_median_ms = round(median(parseColdMs));
    review.cold_process_ratio = round(median(reviewColdMs) / median(parseColdMs), 2);
    const memory = result(
      "review-10000-deployments-peak-memory",
      "peak RSS (MB) of a process reviewing the 10,000 Deployments vs one only parsing them (median of 3 each; reported, no target)",
      reviewMem,
      parseMem,
      null,
      true,
    );
    memory.unit = "MB";

    // Under load: 10,000 files, some malformed, some unreadable.
    let good = 0;
    const bad: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const file = path.join(loadDir, `f${String(i).padStart(5, "0")}.yaml`);
      if (i % 100 === 17) {
        fs.writeFileSync(
          file,
          i % 200 === 17
            ? "apiVersion: v1\nkind: Pod\nkind: Pod\n"
            : "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n",
        );
        bad.push(file);
      } else if (i % 100 === 53) {
        fs.symlinkSync(path.join(loadDir, "missing", String(i)), file); // dangling: cannot be read
        bad.push(file);
      } else {
        fs.writeFileSync(file, docs[i]);
        good++;
      }
    }
    const loadRuns: ChildRun[] = [];
    const loadParse: ChildRun[] = [];
    for (let i = 0; i < MIN_RUNS; i++) {
      loadParse.push(child("parse", loadDir));
      loadRuns.push(child("review", loadDir));
    }
    const complete = loadRuns.every(
      (r) => r.reviewed === good && r.errorFiles.length === bad.length && bad.every((b) => r.errorFiles.includes(b)),
    );
    const load = result(
      "review-10000-files-with-bad-ones",
      `${COUNT} files (${bad.length} malformed or unreadable) reviewed in a process of its own vs parsing them; met when every good file is reviewed and each bad one listed (no ratio target)`,
      loadRuns.map((r) => r.ms),
      loadParse.map((r) => r.ms),
      null,
      complete,
    );
    load.reviewed = loadRuns[0].reviewed;
    load.bad_files_listed = loadRuns[0].errorFiles.length;
    load.bad_files = bad.length;
    load.peak_rss_mb = round(median(loadRuns.map((r) => r.maxRssMb)));
    load.baseline_peak_rss_mb = round(median(loadParse.map((r) => r.maxRssMb)));
    return [review, memory, load, ...streamMemory(dir)];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(loadDir, { recursive: true, force: true });
  }
}
