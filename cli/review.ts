#!/usr/bin/env node
/**
 * `npm run review -- [--format table|json|sarif|junit] [--config FILE] [--output FILE] PATH...`:
 * reviews Kubernetes YAML files, folders (recursively) and `-` (standard input, e.g.
 * `helm template … | npm run review -- -`) with the policy rules.
 *
 *   table (default)  for people: one block per violation (file:line), notes and a summary
 *   json (--json)    {"violations":[{file,line,column,resource,container,rule,level,field,message}],"errors":[{file,message,line?}]}
 *                    (notes go to stderr)
 *   sarif            SARIF 2.1.0 for code scanning (policy/report/sarif.ts)
 *   junit            JUnit XML for CI test reports (policy/report/junit.ts)
 *   --config FILE    the CrossGuard pack config (YAML or JSON): levels and settings per rule
 *   --output FILE    write the report there instead of stdout (`npm run` prints its own banner on stdout)
 *   --stdin-name N   the name findings on `-` are reported under (default <stdin>)
 *   --readme-url U   absolute URL of this README, for the SARIF rules' help links
 *
 * Exit 0: no mandatory violation; 1: at least one; 2: an input could not be read or parsed, or the
 * arguments/config are bad (every other input is still reviewed and reported).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ReviewConfig, defaultConfig, parseReviewConfig } from "../policy/config";
import { ReviewReport, exitCode, reviewPaths } from "../policy/report/inputs";
import { formatJunit } from "../policy/report/junit";
import { formatSarif } from "../policy/report/sarif";
import { formatJson, formatTable } from "../policy/report/text";

export const FORMATS = ["table", "json", "sarif", "junit"] as const;
export type Format = (typeof FORMATS)[number];

const USAGE =
  "usage: npm run review -- [--format table|json|sarif|junit] [--json] [--config FILE] [--output FILE] [--stdin-name NAME] [--readme-url URL] PATH...   (PATH: YAML files, folders, or - for standard input)";

export interface ReviewArgs {
  paths: string[];
  format: Format;
  configFile?: string;
  output?: string;
  stdinName?: string;
  readmeUrl?: string;
}

/** Parses the command line; a string is the usage error to print. */
export function parseReviewArgs(argv: readonly string[]): ReviewArgs | { error: string } | { help: true } {
  const args: ReviewArgs = { paths: [], format: "table" };
  const valueOf = (i: number, what: string): string | { error: string } =>
    argv[i + 1] === undefined || (argv[i + 1].startsWith("--") && argv[i + 1] !== "-")
      ? { error: `${argv[i]} needs ${what}` }
      : argv[i + 1];
  const withValue: Record<string, [keyof ReviewArgs, string]> = {
    "--config": ["configFile", "a file"],
    "--output": ["output", "a file"],
    "-o": ["output", "a file"],
    "--stdin-name": ["stdinName", "a name"],
    "--readme-url": ["readmeUrl", "an absolute URL"],
    "--format": ["format", `one of: ${FORMATS.join(", ")}`],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") args.format = "json";
    else if (a === "--help" || a === "-h") return { help: true };
    else if (a in withValue) {
      const [key, what] = withValue[a];
      const v = valueOf(i, what);
      if (typeof v !== "string") return v;
      (args as unknown as Record<string, string>)[key] = v;
      i++;
    } else if (a.startsWith("-") && a !== "-") {
      return {
        error: `unknown option ${a}; accepted: --format, --json, --config, --output, --stdin-name, --readme-url`,
      };
    } else args.paths.push(a);
  }
  if (!(FORMATS as readonly string[]).includes(args.format))
    return {
      error: `--format: ${JSON.stringify(args.format)} is not accepted; expected one of: ${FORMATS.join(", ")}`,
    };
  if (args.readmeUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(args.readmeUrl)) {
    return {
      error: `--readme-url: ${JSON.stringify(args.readmeUrl)} is not accepted; expected an absolute http(s) URL`,
    };
  }
  if (args.paths.length === 0) return { error: "no PATH given" };
  return args;
}

/** This package's version, from the nearest package.json above this file (cli/ in the sources, dist/cli/ as built). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

export function formatReport(report: ReviewReport, args: Pick<ReviewArgs, "format" | "readmeUrl">): string {
  switch (args.format) {
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report, { version: packageVersion(), readmeUrl: args.readmeUrl });
    case "junit":
      return formatJunit(report);
    default:
      return formatTable(report);
  }
}

export function main(argv: string[]): number {
  const args = parseReviewArgs(argv);
  if ("help" in args) {
    console.log(USAGE);
    return 0;
  }
  if ("error" in args) {
    console.error(`${args.error}\n${USAGE}`);
    return 2;
  }
  let config: ReviewConfig = defaultConfig();
  if (args.configFile !== undefined) {
    try {
      config = parseReviewConfig(yaml.load(fs.readFileSync(args.configFile, "utf8")), args.configFile);
    } catch (e) {
      console.error(`--config ${args.configFile}: ${(e as Error).message}`);
      return 2;
    }
  }
  const report = reviewPaths(args.paths, { config, stdinName: args.stdinName });
  const text = formatReport(report, args);
  if (args.format !== "table") for (const n of report.notes) console.error(`note: ${n}`);
  if (args.output !== undefined) {
    try {
      fs.writeFileSync(args.output, text.endsWith("\n") ? text : `${text}\n`);
    } catch (e) {
      console.error(`--output ${args.output}: cannot write: ${(e as Error).message}`);
      return 2;
    }
    if (args.format !== "table")
      console.error(
        formatTable({ ...report, notes: [] })
          .split("\n")
          .pop(),
      );
  } else {
    console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
  }
  return exitCode(report);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
