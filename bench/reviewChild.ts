/**
 * One review (or parse-only baseline) of a folder in a process of its own, so its peak memory is
 * its own: prints {"ms","maxRssMb","reviewed","violations","errorFiles"} as one JSON line.
 *   node --import tsx bench/reviewChild.ts review|parse DIR
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import * as yaml from "js-yaml";
import type * as inputs from "../policy/report/inputs";

/**
 * The reviewer as it ships: tsc's output in dist/ (what the GitHub Action, the pre-commit hook and
 * the `acs-ebpf-review` command run; `npm run bench` builds it first), not the sources through the
 * tsx loader, whose transform adds work of its own (about 3 % of a review here).
 */
export function shippedReviewer(): typeof inputs {
  return require(path.join(__dirname, "..", "dist", "policy", "report", "inputs.js")) as typeof inputs;
}

function parseOnly(dir: string): { reviewed: number; errorFiles: string[] } {
  let reviewed = 0;
  const errorFiles: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    try {
      reviewed += yaml.loadAll(fs.readFileSync(file, "utf8")).length;
    } catch {
      errorFiles.push(file);
    }
  }
  return { reviewed, errorFiles };
}

function run(mode: string, dir: string): void {
  const { reviewPaths } = shippedReviewer(); // loaded before the clock starts, as the parser is
  const start = performance.now();
  let out: { reviewed: number; violations?: number; errorFiles: string[] };
  if (mode === "review") {
    const report = reviewPaths([dir]);
    out = {
      reviewed: report.reviewed,
      violations: report.violations.length,
      errorFiles: report.errors.map((e) => e.file),
    };
  } else {
    out = parseOnly(dir);
  }
  const ms = performance.now() - start;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...out }));
}

if (require.main === module) run(process.argv[2], process.argv[3]);
