/**
 * `npm run review -- [--json] [--config FILE] PATH...`: reviews Kubernetes YAML files and folders
 * (multi-document, `List` objects) with the policy rules.
 *
 *   table (default)  for people: one block per violation, notes and a summary
 *   --json           {"violations":[{file,resource,container,rule,level,message}],"errors":[{file,message}]}
 *                    (notes about skipped documents go to stderr)
 *   --config FILE    the CrossGuard pack config (YAML or JSON): levels and settings per rule
 *
 * Exit 0: no mandatory violation; 1: at least one; 2: an input could not be read or parsed, or the
 * arguments/config are bad (every other input is still reviewed and reported).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ReviewConfig, defaultConfig, parseReviewConfig } from "../policy/config";
import { parseYamlDocuments, reviewDocuments } from "../policy/review";

export interface FileViolation {
  file: string;
  resource: string;
  container: string | null;
  rule: string;
  level: "mandatory" | "advisory";
  message: string;
}

export interface ReviewReport {
  violations: FileViolation[];
  errors: { file: string; message: string }[];
  notes: string[];
  reviewed: number;
}

const YAML_FILE = /\.(ya?ml|json)$/i;

/** Files under the given paths: files as given, folders recursively (.yaml, .yml, .json), sorted. */
function collectFiles(input: string, report: ReviewReport): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    report.errors.push({ file: input, message: `cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message}` });
    return [];
  }
  if (!stat.isDirectory()) return [input];
  const files: string[] = [];
  for (const entry of fs.readdirSync(input, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) files.push(...collectFiles(full, report));
    else if (YAML_FILE.test(entry.name)) files.push(full);
  }
  if (files.length === 0) report.notes.push(`${input}: no .yaml, .yml or .json files`);
  return files;
}

export function reviewPaths(paths: readonly string[], config: ReviewConfig = defaultConfig()): ReviewReport {
  const report: ReviewReport = { violations: [], errors: [], notes: [], reviewed: 0 };
  for (const input of paths) {
    for (const file of collectFiles(input, report)) {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (e) {
        report.errors.push({ file, message: `cannot read: ${(e as Error).message}` });
        continue;
      }
      let docs: unknown[];
      try {
        docs = parseYamlDocuments(text);
      } catch (e) {
        report.errors.push({ file, message: `not valid YAML: ${(e as Error).message}` });
        continue;
      }
      if (docs.every((d) => d === null || d === undefined)) {
        report.notes.push(`${file}: empty, nothing to review`);
        continue;
      }
      const r = reviewDocuments(docs, config);
      report.reviewed += r.reviewed;
      report.notes.push(...r.notes.map((n) => `${file}: ${n}`));
      report.violations.push(...r.violations.map((v) => ({ file, ...v })));
    }
  }
  return report;
}

export function exitCode(report: Pick<ReviewReport, "violations" | "errors">): 0 | 1 | 2 {
  if (report.errors.length) return 2;
  return report.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

export function formatTable(report: ReviewReport): string {
  const lines: string[] = [];
  for (const v of report.violations) {
    lines.push(`${v.level.toUpperCase().padEnd(9)} ${v.rule.padEnd(22)} ${v.file}  ${v.resource}${v.container ? `  container ${v.container}` : ""}`);
    lines.push(`          ${v.message}`);
  }
  for (const e of report.errors) lines.push(`ERROR     ${e.file}: ${e.message}`);
  for (const n of report.notes) lines.push(`note      ${n}`);
  const mandatory = report.violations.filter((v) => v.level === "mandatory").length;
  lines.push(
    `${report.reviewed} workload(s) reviewed: ${mandatory} mandatory and ${report.violations.length - mandatory} advisory violation(s), ${report.errors.length} input error(s).`,
  );
  return lines.join("\n");
}

const USAGE = "usage: npm run review -- [--json] [--config FILE] PATH...   (PATH: YAML files or folders)";

export function main(argv: string[]): number {
  const paths: string[] = [];
  let json = false;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--config") {
      configFile = argv[++i];
      if (configFile === undefined) {
        console.error(`--config needs a file\n${USAGE}`);
        return 2;
      }
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith("--")) {
      console.error(`unknown option ${a}; accepted: --json, --config FILE\n${USAGE}`);
      return 2;
    } else paths.push(a);
  }
  if (paths.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let config = defaultConfig();
  if (configFile !== undefined) {
    try {
      config = parseReviewConfig(yaml.load(fs.readFileSync(configFile, "utf8")), configFile);
    } catch (e) {
      console.error(`--config ${configFile}: ${(e as Error).message}`);
      return 2;
    }
  }
  const report = reviewPaths(paths, config);
  if (json) {
    console.log(JSON.stringify({ violations: report.violations, errors: report.errors }, null, 2));
    for (const n of report.notes) console.error(`note: ${n}`);
  } else {
    console.log(formatTable(report));
  }
  return exitCode(report);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
