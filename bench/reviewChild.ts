/**
 * One review (or parse-only baseline) of a folder in a process of its own, so its peak memory is
 * its own: prints {"ms","maxRssMb","reviewed","violations","errorFiles"} as one JSON line.
 *   node --import tsx bench/reviewChild.ts review|parse DIR
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import * as yaml from "js-yaml";
import { reviewPaths } from "../cli/review/inputs";

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

const [mode, dir] = process.argv.slice(2);
const start = performance.now();
let out: { reviewed: number; violations?: number; errorFiles: string[] };
if (mode === "review") {
  const report = reviewPaths([dir]);
  out = { reviewed: report.reviewed, violations: report.violations.length, errorFiles: report.errors.map((e) => e.file) };
} else {
  out = parseOnly(dir);
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...out }));
