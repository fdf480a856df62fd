/**
 * Policy configuration: the same shape as a CrossGuard pack config (`pulumi preview
 * --policy-pack-config FILE`), so one file configures the pack and `npm run review --config FILE`:
 *
 *   { "<rule>": "<level>" | { "enforcementLevel": "<level>", <setting>: <value>, ... }, "all": "<level>" }
 *
 * Every value is validated here; a bad one fails with the rule, the key, the value and what is
 * accepted (InputError), before anything is reviewed.
 */
import { InputError, InputErrors, oneOf } from "../core/errors";
import { parseKernelRelease } from "../core/kernel";
import { RULES, RULE_NAMES, rulesAt } from "./rules";
import { STACK_RULES } from "./stackRules";
import { ENFORCEMENT_LEVELS, EnforcementLevel, Rule, RuleSettings } from "./types";
import { isRecord } from "./podSpecs";

interface RuleConfig {
  level: EnforcementLevel;
  settings: RuleSettings;
}

export type ReviewConfig = Record<string, RuleConfig>;

const SECCOMP_TYPES = ["RuntimeDefault", "Localhost", "Unconfined"];

/** JSON schema of each setting, for the pack's configSchema (and docs/policy.md). */
export const SETTING_SCHEMAS: Record<keyof RuleSettings, Record<string, unknown>> = {
  exemptImages: {
    type: "array",
    items: { type: "string" },
    description: "Images the container checks skip: exact, or a prefix ending in *.",
  },
  kernel: {
    type: "string",
    description: "Kernel (uname -r, or unknown) assumed for eBPF workloads without the acs-ebpf.io/kernel annotation.",
  },
  allowedCapabilities: {
    type: "array",
    items: { type: "string" },
    description: "Capabilities non-eBPF workloads may add; * allows any.",
  },
  requiredDropCapabilities: {
    type: "array",
    items: { type: "string" },
    description: "Capabilities every container must drop (ALL covers all).",
  },
  allowedHostPaths: {
    type: "array",
    items: {
      type: "object",
      properties: { pathPrefix: { type: "string" }, readOnly: { type: "boolean" } },
      required: ["pathPrefix"],
      additionalProperties: false,
    },
    description: "hostPath prefixes allowed besides the eBPF mounts the model grants.",
  },
  allowedProfiles: {
    type: "array",
    items: { type: "string", enum: SECCOMP_TYPES },
    description: "Seccomp profile types allowed.",
  },
  allowedLocalhostFiles: {
    type: "array",
    items: { type: "string" },
    description: "Localhost seccomp profile files allowed; * allows any.",
  },
  allowUnsetProfile: {
    type: "boolean",
    description: "Allow containers with no seccomp profile (they run Unconfined).",
  },
  exemptEbpfWorkloads: { type: "boolean", description: "Skip eBPF workloads (they need UID 0) in run-as-non-root." },
};

function stringList(
  rule: string,
  key: string,
  value: unknown,
  errors: InputError[],
  allowed?: string[],
): string[] | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    errors.push(new InputError(`${rule}.${key}`, value, "a list of strings"));
    return undefined;
  }
  if (allowed) {
    const bad = value.filter((v) => !allowed.includes(v));
    if (bad.length) {
      errors.push(new InputError(`${rule}.${key}`, bad, `a list, each ${oneOf(allowed)}`));
      return undefined;
    }
  }
  return value;
}

function boolean(rule: string, key: string, value: unknown, errors: InputError[]): boolean | undefined {
  if (typeof value !== "boolean") {
    errors.push(new InputError(`${rule}.${key}`, value, "true or false"));
    return undefined;
  }
  return value;
}

/** Validates one rule's settings (the pack's getConfig() minus enforcementLevel). */
export function parseRuleSettings(
  rule: Pick<Rule, "name" | "settings">,
  raw: Record<string, unknown>,
  errors: InputError[] = [],
): RuleSettings {
  const s: RuleSettings = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "enforcementLevel") continue;
    if (!(rule.settings as readonly string[]).includes(key)) {
      errors.push(
        new InputError(
          `${rule.name}.${key}`,
          value,
          rule.settings.length
            ? `a setting of ${rule.name}, ${oneOf([...rule.settings])}`
            : `no settings (${rule.name} takes only enforcementLevel)`,
        ),
      );
      continue;
    }
    switch (key as keyof RuleSettings) {
      case "exemptImages":
      case "allowedCapabilities":
      case "requiredDropCapabilities":
      case "allowedLocalhostFiles":
        s[key as "exemptImages"] = stringList(rule.name, key, value, errors);
        break;
      case "allowedProfiles":
        s.allowedProfiles = stringList(rule.name, key, value, errors, SECCOMP_TYPES);
        break;
      case "allowUnsetProfile":
      case "exemptEbpfWorkloads":
        s[key as "allowUnsetProfile"] = boolean(rule.name, key, value, errors);
        break;
      case "kernel":
        if (typeof value !== "string" || (value.trim() !== "unknown" && !parseKernelRelease(value))) {
          errors.push(
            new InputError(
              `${rule.name}.kernel`,
              value,
              "a `uname -r` release such as 5.10.134-16.3.al8.x86_64, or unknown",
            ),
          );
        } else s.kernel = value.trim();
        break;
      case "allowedHostPaths":
        if (
          !Array.isArray(value) ||
          !value.every(
            (v) =>
              isRecord(v) &&
              typeof v.pathPrefix === "string" &&
              v.pathPrefix.startsWith("/") &&
              (v.readOnly === undefined || typeof v.readOnly === "boolean") &&
              Object.keys(v).every((k) => k === "pathPrefix" || k === "readOnly"),
          )
        ) {
          errors.push(
            new InputError(
              `${rule.name}.allowedHostPaths`,
              value,
              'a list of {pathPrefix: "/absolute/path", readOnly?: true|false}',
            ),
          );
        } else s.allowedHostPaths = value as { pathPrefix: string; readOnly?: boolean }[];
        break;
    }
  }
  return s;
}

function parseLevel(input: string, value: unknown, errors: InputError[]): EnforcementLevel | undefined {
  if (typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value))
    return value as EnforcementLevel;
  errors.push(new InputError(input, value, oneOf(ENFORCEMENT_LEVELS)));
  return undefined;
}

/** Every rule at its default level with no settings. */
export function defaultConfig(): ReviewConfig {
  return Object.fromEntries(RULES.map((r) => [r.name, { level: r.defaultLevel, settings: {} }]));
}

/**
 * A pack-style config object → the configuration of every pod rule. `source` names the input
 * (a file) in errors. Stack rules are accepted (the same file configures the pack) but ignored here.
 */
export function parseReviewConfig(raw: unknown, source = "policy config"): ReviewConfig {
  const config = defaultConfig();
  if (raw === undefined || raw === null) return config;
  if (!isRecord(raw))
    throw new InputError(source, raw, "a mapping of rule name → level or {enforcementLevel, settings…}");
  const errors: InputError[] = [];
  const known = [...RULE_NAMES, ...STACK_RULES.map((r) => r.name), "all"];
  if (raw.all !== undefined) {
    const level = parseLevel(`${source}: all`, isRecord(raw.all) ? raw.all.enforcementLevel : raw.all, errors);
    if (level) for (const r of RULES) config[r.name].level = level;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (name === "all") continue;
    if (!known.includes(name)) {
      errors.push(new InputError(`${source}: rule`, name, oneOf(known)));
      continue;
    }
    const rule = RULES.find((r) => r.name === name) ?? STACK_RULES.find((r) => r.name === name)!;
    if (typeof value === "string") {
      const level = parseLevel(`${source}: ${name}`, value, errors);
      if (level && config[name]) config[name].level = level;
    } else if (isRecord(value)) {
      if (value.enforcementLevel !== undefined) {
        const level = parseLevel(`${source}: ${name}.enforcementLevel`, value.enforcementLevel, errors);
        if (level && config[name]) config[name].level = level;
      }
      const settings = parseRuleSettings(rule, value, errors);
      if (config[name]) config[name].settings = settings;
    } else {
      errors.push(
        new InputError(
          `${source}: ${name}`,
          value,
          `a level (${ENFORCEMENT_LEVELS.join(", ")}) or {enforcementLevel, settings…}`,
        ),
      );
    }
  }
  if (errors.length) throw new InputErrors(errors);
  return config;
}

/**
 * The configuration with the rules a pinned version did not have (policy/rules rulesAt) disabled:
 * a pipeline pinned to a version keeps its verdicts when the package adds or changes a rule.
 * Throws an InputError naming `input` for a malformed version.
 */
export function pinRulesVersion(config: ReviewConfig, version: string, input = "rulesVersion"): ReviewConfig {
  const kept = new Set(rulesAt(version, input).map((r) => r.name));
  return Object.fromEntries(
    Object.entries(config).map(([name, rule]) => [
      name,
      kept.has(name) || !RULE_NAMES.includes(name) ? rule : { ...rule, level: "disabled" as const },
    ]),
  );
}
