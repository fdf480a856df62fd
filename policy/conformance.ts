/**
 * Third-party conformance: maps each case of the Kyverno and Gatekeeper suites in
 * ../shared/conformance (see its README) onto our generic rules and their settings, runs the rules
 * and compares verdicts. Nothing here knows a fixture: a case is mapped by its policy name, its
 * rule name and its `params` only.
 */
import * as fs from "fs";
import * as path from "path";
import { InputError } from "../core/errors";
import { ReviewConfig, defaultConfig } from "./config";
import { expandLists, isKubeObject, resourceName } from "./podSpecs";
import { Violation, parseYamlDocuments, runRule } from "./review";
import { ruleByName } from "./rules";
import type { KubeObject, RuleSettings } from "./types";

export interface ConformanceCase {
  file: string;
  resource: string;
  expect: "pass" | "fail";
  params?: Record<string, unknown>;
  rule: string;
  wrapper?: string;
  operation?: string;
  [key: string]: unknown;
}

/** Our rules and settings for one case; or why the case is out of scope. */
export type Mapping = { rules: string[]; settings: RuleSettings } | { outOfScope: string };

const CAPABILITY_RULES = ["capabilities", "ebpf-least-privilege"];

function list(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

/** Gatekeeper seccomp (v1) profile names → our types and Localhost files. */
function seccompV1(
  profiles: string[],
): Pick<RuleSettings, "allowedProfiles" | "allowedLocalhostFiles" | "allowUnsetProfile"> {
  const types = new Set<string>();
  const files: string[] = [];
  let unset = false;
  for (const p of profiles) {
    if (p === "*") {
      ["RuntimeDefault", "Localhost", "Unconfined"].forEach((t) => types.add(t));
      files.push("*");
      unset = true;
    } else if (p === "runtime/default" || p === "docker/default" || p === "RuntimeDefault") {
      types.add("RuntimeDefault");
    } else if (p === "unconfined" || p === "Unconfined") {
      types.add("Unconfined");
    } else if (p.startsWith("localhost/")) {
      types.add("Localhost");
      files.push(p.slice("localhost/".length));
    } else if (p === "Localhost") {
      types.add("Localhost");
      files.push("*");
    } else if (p === "not configured") {
      unset = true;
    }
  }
  return { allowedProfiles: [...types], allowedLocalhostFiles: files, allowUnsetProfile: unset };
}

/** Maps a case of `<source>/<policy>` onto our rules. */
export function mapCase(source: string, policy: string, c: ConformanceCase): Mapping {
  if (c.wrapper) {
    return {
      outOfScope: `${c.wrapper} with operation ${c.operation ?? "?"}: the Gatekeeper template skips ${c.operation ?? "this"} admission requests; our rules review objects as written (YAML or Pulumi inputs), not admission operations`,
    };
  }
  const p = c.params ?? {};
  const exemptImages = list(p.exemptImages);
  const base: RuleSettings = exemptImages ? { exemptImages } : {};
  if (source === "kyverno-policies") {
    switch (policy) {
      case "disallow-capabilities":
        return { rules: CAPABILITY_RULES, settings: { ...base, allowedCapabilities: list(p.allowedCapabilities) } };
      case "disallow-capabilities-strict": {
        const rules =
          c.rule === "require-drop-all"
            ? ["drop-all"]
            : c.rule === "adding-capabilities-strict"
              ? CAPABILITY_RULES
              : [...CAPABILITY_RULES, "drop-all"];
        return {
          rules,
          settings: {
            ...base,
            allowedCapabilities: list(p.allowedCapabilities),
            requiredDropCapabilities: list(p.requiredDropCapabilities),
          },
        };
      }
      case "disallow-host-path":
        return { rules: ["host-path"], settings: base };
      case "disallow-privileged-containers":
        return { rules: ["privileged"], settings: base };
      case "disallow-host-namespaces":
        return { rules: ["host-namespaces"], settings: base };
      case "disallow-privilege-escalation":
        return { rules: ["privilege-escalation"], settings: base };
      case "restrict-seccomp":
        // Pod Security baseline: a profile, when set, must not be Unconfined; none at all is allowed.
        return {
          rules: ["seccomp"],
          settings: { ...base, allowedProfiles: ["RuntimeDefault", "Localhost"], allowUnsetProfile: true },
        };
      case "restrict-seccomp-strict":
        return {
          rules: ["seccomp"],
          settings: { ...base, allowedProfiles: ["RuntimeDefault", "Localhost"], allowUnsetProfile: false },
        };
      case "require-run-as-nonroot":
        return { rules: ["run-as-non-root"], settings: base };
    }
  } else if (source === "gatekeeper-library") {
    switch (policy) {
      case "capabilities": {
        const drop = list(p.requiredDropCapabilities);
        return {
          rules: drop ? [...CAPABILITY_RULES, "drop-all"] : CAPABILITY_RULES,
          settings: { ...base, allowedCapabilities: list(p.allowedCapabilities) ?? [], requiredDropCapabilities: drop },
        };
      }
      case "host-filesystem":
        return {
          rules: ["host-path"],
          settings: { ...base, allowedHostPaths: (p.allowedHostPaths as RuleSettings["allowedHostPaths"]) ?? [] },
        };
      case "privileged-containers":
        return { rules: ["privileged"], settings: base };
      case "allow-privilege-escalation":
        return { rules: ["privilege-escalation"], settings: base };
      case "host-namespaces":
        return { rules: ["host-namespaces"], settings: base };
      case "seccomp":
        return { rules: ["seccomp"], settings: { ...base, ...seccompV1(list(p.allowedProfiles) ?? []) } };
      case "seccompv2": {
        const profiles = list(p.allowedProfiles) ?? [];
        return {
          rules: ["seccomp"],
          settings: {
            ...base,
            allowedProfiles: profiles.filter((x) => x !== "not configured"),
            allowUnsetProfile: profiles.includes("not configured"),
            allowedLocalhostFiles: list(p.allowedLocalhostFiles) ?? ["*"],
          },
        };
      }
    }
  }
  return { outOfScope: `no mapping for policy ${source}/${policy}: none of our rules covers it` };
}

/** Drops keys whose value is undefined, so a rule's own default applies. */
function defined(settings: RuleSettings): RuleSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as RuleSettings;
}

export interface CaseResult {
  source: string;
  policy: string;
  file: string;
  resource: string;
  rule: string;
  expect: "pass" | "fail";
  outOfScope?: string;
  got?: "pass" | "fail";
  rules?: string[];
  violations?: Violation[];
}

/** Finds the case's object in its file (List items included). */
function findObject(docs: unknown[], resource: string): KubeObject | undefined {
  for (const doc of docs) {
    if (!isKubeObject(doc)) continue;
    for (const item of expandLists(doc)) if (resourceName(item) === resource) return item;
  }
  return undefined;
}

function evaluateCase(source: string, policy: string, dir: string, c: ConformanceCase): CaseResult {
  const result: CaseResult = {
    source,
    policy,
    file: path.join(source, policy, c.file),
    resource: c.resource,
    rule: c.rule,
    expect: c.expect,
  };
  const mapping = mapCase(source, policy, c);
  if ("outOfScope" in mapping) return { ...result, outOfScope: mapping.outOfScope };
  const text = fs.readFileSync(path.join(dir, c.file), "utf8");
  const obj = findObject(parseYamlDocuments(text), c.resource);
  if (!obj) throw new InputError(`${result.file}`, c.resource, "a file that contains the case's resource (Kind/name)");
  const config: ReviewConfig = defaultConfig();
  const violations: Violation[] = [];
  for (const name of mapping.rules) {
    const rule = ruleByName(name)!;
    config[name] = { level: "mandatory", settings: defined(mapping.settings) };
    violations.push(...runRule(rule, obj, config, "mandatory"));
  }
  return { ...result, rules: mapping.rules, got: violations.length ? "fail" : "pass", violations };
}

/** Every `<source>/<policy>/cases.json` under DIR, evaluated. Throws InputError when DIR has none. */
export function runConformance(dir: string): CaseResult[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError(
      "DIR",
      dir,
      "a directory with <source>/<policy>/cases.json files (e.g. ../shared/conformance)",
    );
  const results: CaseResult[] = [];
  for (const source of fs.readdirSync(dir).sort()) {
    const sourceDir = path.join(dir, source);
    if (!fs.statSync(sourceDir).isDirectory()) continue;
    for (const policy of fs.readdirSync(sourceDir).sort()) {
      const casesFile = path.join(sourceDir, policy, "cases.json");
      if (!fs.existsSync(casesFile)) continue;
      let cases: ConformanceCase[];
      try {
        cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
      } catch (e) {
        throw new InputError(casesFile, (e as Error).message, "a JSON array of cases (see the suite's README)");
      }
      if (!Array.isArray(cases)) throw new InputError(casesFile, typeof cases, "a JSON array of cases");
      for (const c of cases) results.push(evaluateCase(source, policy, path.join(sourceDir, policy), c));
    }
  }
  if (results.length === 0)
    throw new InputError(
      "DIR",
      dir,
      "a directory with <source>/<policy>/cases.json files (e.g. ../shared/conformance)",
    );
  return results;
}
