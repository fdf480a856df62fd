/**
 * Reviewing Kubernetes objects and YAML text with the registered rules: pure functions shared by
 * `npm run review`, `npm run conformance`, the bench and the CrossGuard pack.
 */
import * as yaml from "js-yaml";
import { ReviewConfig, defaultConfig } from "./config";
import { expandLists, isKubeObject, isRecord, podTemplateOf } from "./podSpecs";
import { RULES } from "./rules";
import type { KubeObject, Rule, ViolationLevel } from "./types";

export interface Violation {
  resource: string;
  /** null for pod- or object-level findings. */
  container: string | null;
  rule: string;
  level: ViolationLevel;
  /** `<field path>: <what is wrong and what to change>`. */
  message: string;
}

/** The level a configured enforcement level reports at; undefined when the rule is off. */
export function reportedLevel(level: string): ViolationLevel | undefined {
  if (level === "disabled") return undefined;
  // A YAML file cannot be remediated in place: what the pack would fix is reported as mandatory.
  return level === "advisory" ? "advisory" : "mandatory";
}

/** Runs one rule on one object (List items included); [] for objects without a pod template. */
export function runRule(rule: Rule, obj: KubeObject, config: ReviewConfig, level: ViolationLevel): Violation[] {
  const out: Violation[] = [];
  for (const item of expandLists(obj)) {
    const pod = podTemplateOf(item);
    if (!pod) continue;
    for (const f of rule.check(pod, config[rule.name]?.settings ?? {})) {
      out.push({ resource: pod.resource, container: f.container ?? null, rule: rule.name, level, message: `${f.field}: ${f.message}` });
    }
  }
  return out;
}

/** Every enabled rule on one object. */
export function reviewObject(obj: KubeObject, config: ReviewConfig = defaultConfig(), rules: readonly Rule[] = RULES): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    const level = reportedLevel(config[rule.name]?.level ?? rule.defaultLevel);
    if (level) out.push(...runRule(rule, obj, config, level));
  }
  return out;
}

export interface DocumentsReview {
  violations: Violation[];
  /** Documents skipped, and why (not Kubernetes, no pod template). */
  notes: string[];
  /** Pod-bearing objects reviewed (List items counted one by one). */
  reviewed: number;
}

/** Reviews parsed YAML documents: Kubernetes objects with a pod template; everything else is noted and skipped. */
export function reviewDocuments(docs: readonly unknown[], config: ReviewConfig = defaultConfig()): DocumentsReview {
  const result: DocumentsReview = { violations: [], notes: [], reviewed: 0 };
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return; // empty document (a stray `---`)
    if (!isKubeObject(doc)) {
      const what = isRecord(doc) ? `a mapping without apiVersion/kind (keys: ${Object.keys(doc).slice(0, 5).join(", ") || "none"})` : `a ${Array.isArray(doc) ? "sequence" : typeof doc}`;
      result.notes.push(`document ${i + 1}: skipped, not a Kubernetes object (${what})`);
      return;
    }
    const items = expandLists(doc);
    const pods = items.filter((item) => podTemplateOf(item));
    if (pods.length === 0) {
      result.notes.push(`document ${i + 1}: ${doc.kind} has no pod template; nothing to review`);
      return;
    }
    result.reviewed += pods.length;
    result.violations.push(...reviewObject(doc, config));
  });
  return result;
}

/** Parses multi-document YAML; throws js-yaml's error (with line and column) on malformed input. */
export function parseYamlDocuments(text: string): unknown[] {
  return yaml.loadAll(text);
}
