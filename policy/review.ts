/**
 * Reviewing Kubernetes objects and YAML text with the registered rules: pure functions shared by
 * `npm run review`, `npm run conformance`, the bench and the CrossGuard pack.
 */
import * as yaml from "js-yaml";
import { ReviewConfig, defaultConfig } from "./config";
import { isKubeObject, isList, isRecord, podTemplateOf } from "./podSpecs";
import type { FieldSegments } from "./yamlStream";
import { RULES } from "./rules";
import { shared } from "./shared";
import type { Finding, KubeObject, PodTemplate, Rule, RuleSettings, ViolationLevel } from "./types";

export interface Violation {
  resource: string;
  /** null for pod- or object-level findings. */
  container: string | null;
  rule: string;
  level: ViolationLevel;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  field: string;
  /** `<field path>: <what is wrong and what to change>`. */
  message: string;
}

/** The level a configured enforcement level reports at; undefined when the rule is off. */
function reportedLevel(level: string): ViolationLevel | undefined {
  if (level === "disabled") return undefined;
  // A YAML file cannot be remediated in place: what the pack would fix is reported as mandatory.
  return level === "advisory" ? "advisory" : "mandatory";
}

/** A rule that is on, with the level it reports at and its settings. */
interface EnabledRule {
  rule: Rule;
  level: ViolationLevel;
  settings: RuleSettings;
}

/** The rules the config turns on (decided once per review, not once per document). */
function enabledRules(config: ReviewConfig, rules: readonly Rule[]): EnabledRule[] {
  const enabled: EnabledRule[] = [];
  for (const rule of rules) {
    const level = reportedLevel(config[rule.name]?.level ?? rule.defaultLevel);
    if (level) enabled.push({ rule, level, settings: config[rule.name]?.settings ?? {} });
  }
  return enabled;
}

/**
 * Every enabled rule over pod templates already extracted (each template once, not once per
 * rule), rule by rule; `emit` gets each finding with its rule, level and the index of its template.
 */
function forEachFinding(
  pods: readonly PodTemplate[],
  rules: readonly EnabledRule[],
  emit: (f: Finding, rule: string, level: ViolationLevel, pod: number) => void,
): void {
  for (const { rule, level, settings } of rules) {
    for (let i = 0; i < pods.length; i++) {
      const findings = rule.check(pods[i], settings);
      for (let k = 0; k < findings.length; k++) emit(findings[k], rule.name, level, i);
    }
  }
}

/** A pod template and where its object sits in the document (List items: `items[i]`, recursively). */
interface LocatedTemplate {
  pod: PodTemplate;
  objectPath: FieldSegments;
}

function locatedTemplates(obj: KubeObject, objectPath: FieldSegments = []): LocatedTemplate[] {
  if (!isList(obj)) {
    const pod = podTemplateOf(obj);
    return pod ? [{ pod, objectPath }] : [];
  }
  return (obj.items as unknown[]).flatMap((item, i) =>
    isRecord(item) ? locatedTemplates(item as KubeObject, [...objectPath, "items", i]) : [],
  );
}

/** The pod templates of one object (List items included); [] for objects without one. */
function podTemplatesOf(obj: KubeObject): PodTemplate[] {
  return locatedTemplates(obj).map((t) => t.pod);
}

/** Runs one rule on one object (List items included); [] for objects without a pod template. */
export function runRule(rule: Rule, obj: KubeObject, config: ReviewConfig, level: ViolationLevel): Violation[] {
  return reviewTemplates(
    podTemplatesOf(obj),
    { ...config, [rule.name]: { level, settings: config[rule.name]?.settings ?? {} } },
    [rule],
  );
}

/** Every enabled rule on pod templates already extracted. */
function reviewTemplates(
  pods: readonly PodTemplate[],
  config: ReviewConfig = defaultConfig(),
  rules: readonly Rule[] = RULES,
): Violation[] {
  const out: Violation[] = [];
  forEachFinding(pods, enabledRules(config, rules), (f, rule, level, i) =>
    out.push({
      resource: pods[i].resource,
      container: f.container ?? null,
      rule,
      level,
      field: violationField(f),
      message: violationMessage(f),
    }),
  );
  return out;
}

/** Every enabled rule on one object. */
export function reviewObject(
  obj: KubeObject,
  config: ReviewConfig = defaultConfig(),
  rules: readonly Rule[] = RULES,
): Violation[] {
  return reviewTemplates(podTemplatesOf(obj), config, rules);
}

/** A violation and where its object is: the document's index in the stream, the path inside it. */
interface DocumentViolation extends Violation {
  document: number;
  objectPath: FieldSegments;
  /** Index of its workload in `workloads`. */
  workload: number;
}

export interface DocumentsReview {
  violations: DocumentViolation[];
  /** Every pod-bearing object reviewed (List items one by one), in order. */
  workloads: { resource: string; document: number }[];
  /** Documents skipped, and why (not Kubernetes, no pod template). */
  notes: string[];
  /** Pod-bearing objects reviewed (List items counted one by one). */
  reviewed: number;
}

// Messages by field path, then by the rule's message: both are shared strings when the rule builds
// its messages with sharedText, so the lookups hash nothing new.
const messagesByField = new Map<string, Map<string, string>>();

/** The field path a violation carries (one shared copy per distinct path). */
export function violationField(f: Finding): string {
  return shared(f.field);
}

/**
 * The message a violation carries: `<field path>: <what is wrong and what to change>` (one shared
 * copy per distinct message). `field`: violationField(f), when the caller has it already.
 */
export function violationMessage(f: Finding, field = violationField(f)): string {
  let messages = messagesByField.get(field);
  if (messages === undefined) {
    if (messagesByField.size > 10_000) messagesByField.clear();
    messagesByField.set(field, (messages = new Map()));
  }
  let message = messages.get(f.message);
  if (message === undefined) {
    if (messages.size > 1_000) messages.clear();
    messages.set(f.message, (message = `${field}: ${f.message}`));
  }
  return message;
}

/**
 * Where the review of a stream of documents reports, as it goes (no intermediate list): each
 * pod-bearing object once (`workload`, numbered from 0 in order), then its findings.
 */
export interface DocumentsSink {
  workload(resource: string, document: number): void;
  /** Positional arguments: this runs once per finding (120,000 times in the bench). */
  finding(
    f: Finding,
    rule: string,
    level: ViolationLevel,
    resource: string,
    document: number,
    objectPath: FieldSegments,
    workload: number,
  ): void;
  note(text: string): void;
}

/**
 * Reviews parsed YAML documents into a sink; returns how many pod-bearing objects were reviewed.
 * `documentOffset`: documents of the same stream before these (a stream reviewed in batches), for notes.
 */
export function reviewDocumentsInto(
  docs: readonly unknown[],
  config: ReviewConfig,
  sink: DocumentsSink,
  documentOffset = 0,
): number {
  const rules = enabledRules(config, RULES);
  let workloads = 0;
  for (let document = 0; document < docs.length; document++) {
    const doc = docs[document];
    if (doc === null || doc === undefined) continue; // empty document (a stray `---`)
    if (!isKubeObject(doc)) {
      const what = isRecord(doc)
        ? `a mapping without apiVersion/kind (keys: ${Object.keys(doc).slice(0, 5).join(", ") || "none"})`
        : `a ${Array.isArray(doc) ? "sequence" : typeof doc}`;
      sink.note(`document ${documentOffset + document + 1}: skipped, not a Kubernetes object (${what})`);
      continue;
    }
    const located = locatedTemplates(doc);
    if (located.length === 0) {
      sink.note(`document ${documentOffset + document + 1}: ${doc.kind} has no pod template; nothing to review`);
      continue;
    }
    const first = workloads;
    const pods: PodTemplate[] = [];
    for (const t of located) {
      sink.workload(t.pod.resource, document);
      pods.push(t.pod);
      workloads++;
    }
    forEachFinding(pods, rules, (f, rule, level, i) =>
      sink.finding(f, rule, level, pods[i].resource, document, located[i].objectPath, first + i),
    );
  }
  return workloads;
}

/** Reviews parsed YAML documents: Kubernetes objects with a pod template; everything else is noted and skipped. */
export function reviewDocuments(docs: readonly unknown[], config: ReviewConfig = defaultConfig()): DocumentsReview {
  const result: DocumentsReview = { violations: [], workloads: [], notes: [], reviewed: 0 };
  result.reviewed = reviewDocumentsInto(docs, config, {
    workload: (resource, document) => result.workloads.push({ resource, document }),
    note: (text) => result.notes.push(text),
    finding: (f, rule, level, resource, document, objectPath, workload) =>
      result.violations.push({
        resource,
        container: f.container ?? null,
        rule,
        level,
        field: violationField(f),
        message: violationMessage(f),
        document,
        objectPath,
        workload,
      }),
  });
  return result;
}

/** Parses multi-document YAML; throws js-yaml's error (with line and column) on malformed input. */
export function parseYamlDocuments(text: string): unknown[] {
  return yaml.loadAll(text);
}
