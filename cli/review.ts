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
 *   --readme-url U   absolute URL of docs/policy.md (the rule table), for the SARIF rules' help links
 *   --rules-version V  review with the rules as package version V had them (rules added later are off)
 *
 * Exit 0: no mandatory violation; 1: at least one; 2: an input could not be read or parsed, or the
 * arguments/config are bad (every other input is still reviewed and reported).
 */
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import type { ReviewConfig } from "../policy/config";
import { FORMATS, type Format, Output, exitOf, reportWriter } from "../policy/report/writers";
import { reviewInputs } from "../policy/report/stream";

export { FORMATS };
export type { Format };

const USAGE =
  "usage: npm run review -- [--format table|json|sarif|junit] [--json] [--config FILE] [--output FILE] [--stdin-name NAME] [--readme-url URL] [--rules-version V] PATH...   (PATH: YAML files, folders, or - for standard input)";

export interface ReviewArgs {
  paths: string[];
  format: Format;
  configFile?: string;
  output?: string;
  stdinName?: string;
  readmeUrl?: string;
  rulesVersion?: string;
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
    "--rules-version": ["rulesVersion", "a release version such as 0.1.0"],
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
        error: `unknown option ${a}; accepted: --format, --json, --config, --output, --stdin-name, --readme-url, --rules-version`,
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

/** The pack config named by --config; loaded only then (the YAML loader and the config schema are not needed otherwise). */
function loadConfig(file: string | undefined): ReviewConfig {
  const config = require("../policy/config") as typeof import("../policy/config");
  if (file === undefined) return config.defaultConfig();
  const yaml = require("js-yaml") as typeof import("js-yaml");
  return config.parseReviewConfig(yaml.load(fs.readFileSync(file, "utf8")), file);
}

/**
 * The review makes short-lived garbage at a steady rate (each batch's events and objects); V8's
 * defaults let the young generation grow to 32 MB and the old one to several times what is live
 * before collecting, so a long stream's peak memory would be about 150 MB for some 10 MB live.
 * Keeping the young generation at its starting size and growing the old one by 20 % keeps it under
 * 100 MB at any length (measured: 10,000 and 100,000 Deployments) for more frequent young
 * collections. Only flags V8 reads at run time; unknown ones (another Node) are ignored.
 */
function keepHeapSmall(): void {
  for (const flag of ["--semi-space-growth-factor=1", "--heap-growing-percent=20"]) {
    try {
      v8.setFlagsFromString(flag);
    } catch {
      /* not this V8's */
    }
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
  let config: ReviewConfig;
  try {
    config = loadConfig(args.configFile);
  } catch (e) {
    console.error(`--config ${args.configFile}: ${(e as Error).message}`);
    return 2;
  }
  if (args.rulesVersion !== undefined) {
    const { pinRulesVersion } = require("../policy/config") as typeof import("../policy/config");
    try {
      config = pinRulesVersion(config, args.rulesVersion, "--rules-version");
    } catch (e) {
      console.error(`${(e as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  let fd = 1;
  if (args.output !== undefined) {
    try {
      fd = fs.openSync(args.output, "w");
    } catch (e) {
      console.error(`--output ${args.output}: cannot write: ${(e as Error).message}`);
      return 2;
    }
  }
  // The report is written as the review goes: memory stays flat however long the input.
  const writer = reportWriter(args.format, new Output(fd), { version: packageVersion, readmeUrl: args.readmeUrl });
  if (args.format !== "table") writer.note = (n) => console.error(`note: ${n}`);
  const reviewed = reviewInputs(args.paths, { config, stdinName: args.stdinName }, writer);
  const counts = writer.end(reviewed);
  if (fd !== 1) {
    fs.closeSync(fd);
    if (args.format !== "table")
      console.error((require("../policy/report/text") as typeof import("../policy/report/text")).summaryLine(counts));
  }
  return exitOf(counts);
}

/** The command: heap kept small, then main. */
export function run(argv: string[]): number {
  keepHeapSmall();
  return main(argv);
}

if (require.main === module) process.exitCode = run(process.argv.slice(2));
