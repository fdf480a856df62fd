/**
 * SARIF 2.1.0 (OASIS) for code-scanning tools: one `rule` per policy rule, one `result` per
 * violation located at the file and line of the offending field, and input errors as tool
 * execution notifications (the run then reports executionSuccessful: false).
 *
 * Levels: mandatory → error, advisory → warning; a rule disabled by default is `enabled: false`.
 */
import * as path from "path";
import { pathToFileURL } from "url";
import { RULES } from "../rules";
import type { EnforcementLevel, Rule } from "../types";
import { exitCode, type FileError, type FileViolation, type ReviewReport } from "./inputs";

const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const TOOL_NAME = "acs-ebpf-review";

export interface SarifOptions {
  /** The tool's version (package.json). */
  version: string;
  /**
   * Absolute URL of the rules document (docs/policy.md); rules link to `#rule-<name>` in it.
   * Without it the links are relative to the repository root and helpUri (absolute only) is left out.
   */
  readmeUrl?: string;
}

type SarifLevel = "error" | "warning" | "note" | "none";

function levelOf(level: EnforcementLevel | "mandatory" | "advisory"): SarifLevel {
  return level === "advisory" ? "warning" : "error";
}

/** The rule table, relative to the repository root; its rows carry the anchors. */
const RULES_DOC = "docs/policy.md";

function ruleAnchor(rule: string): string {
  return `rule-${rule}`;
}

/** A path as an artifact URI: relative paths stay relative (code scanning resolves them against the checkout). */
function artifactUri(file: string): string {
  if (path.isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(path.sep).map(encodeURIComponent).join("/");
}

function ruleDescriptor(rule: Rule, options: SarifOptions) {
  const anchor = ruleAnchor(rule.name);
  const link = options.readmeUrl ? `${options.readmeUrl}#${anchor}` : `${RULES_DOC}#${anchor}`;
  const settings = rule.settings.length ? ` Settings: ${rule.settings.join(", ")}.` : "";
  return {
    // The rule name is already readable: SARIF then wants no separate `name` equal to `id`.
    id: rule.name,
    shortDescription: { text: rule.description },
    fullDescription: { text: `${rule.description} Default level: ${rule.defaultLevel}.${settings}` },
    help: {
      text: `${rule.description} Each result names the field and what to change. Levels and settings: the policy pack config (--config). Details: ${link}`,
      markdown: `${rule.description}\n\nEach result names the field and what to change. Levels and settings come from the policy pack config (\`--config\`).${settings}\n\nSee [${rule.name} in the rule table](${link}).`,
    },
    ...(options.readmeUrl ? { helpUri: link } : {}),
    defaultConfiguration:
      rule.defaultLevel === "disabled"
        ? { enabled: false, level: "warning" as SarifLevel }
        : { level: levelOf(rule.defaultLevel) },
  };
}

function physicalLocation(file: string, line: number | null | undefined, column?: number | null) {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(file) },
      ...(typeof line === "number"
        ? { region: { startLine: line, ...(typeof column === "number" ? { startColumn: column } : {}) } }
        : {}),
    },
  };
}

/** A function from a violation to its SARIF result. @public (the command loads this module lazily, with require) */
export function resultOf(): (v: FileViolation) => object {
  const index = new Map(RULES.map((r, i) => [r.name, i]));
  return (v) => ({
    ruleId: v.rule,
    ...(index.has(v.rule) ? { ruleIndex: index.get(v.rule) } : {}),
    level: levelOf(v.level),
    message: { text: `${v.resource}${v.container ? ` container ${v.container}` : ""}: ${v.message}` },
    locations: [
      {
        ...physicalLocation(v.file, v.line, v.column),
        logicalLocations: [
          { fullyQualifiedName: `${v.resource}${v.container ? `/${v.container}` : ""}`, kind: "resource" },
        ],
      },
    ],
  });
}

/** The run's invocation: whether every input was read, the exit code, and each input error. @public (the command loads this module lazily, with require) */
export function invocationsOf(errors: readonly FileError[], exitCode: number): object[] {
  return [
    {
      executionSuccessful: errors.length === 0,
      exitCode,
      toolExecutionNotifications: errors.map((e) => ({
        level: "error",
        message: { text: `${e.file}: ${e.message}` },
        locations: [physicalLocation(e.file, e.line)],
      })),
    },
  ];
}

/** The SARIF log around a run's results and invocations (values or placeholders a writer fills in). @public (the command loads this module lazily, with require) */
export function toSarifRun(options: SarifOptions, results: unknown, invocations: unknown): object {
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: options.version,
            semanticVersion: options.version,
            ...(options.readmeUrl ? { informationUri: options.readmeUrl } : {}),
            rules: RULES.map((r) => ruleDescriptor(r, options)),
          },
        },
        results,
        invocations,
      },
    ],
  };
}

export function toSarif(report: ReviewReport, options: SarifOptions): object {
  return toSarifRun(options, report.violations.map(resultOf()), invocationsOf(report.errors, exitCode(report)));
}

export function formatSarif(report: ReviewReport, options: SarifOptions): string {
  return JSON.stringify(toSarif(report, options), null, 2);
}
