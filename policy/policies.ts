/**
 * The CrossGuard policies, built from the rule registry: one ResourceValidationPolicy per pod rule
 * (plus the stack-level ebpf-verification). No server is started here — policy/index.ts does
 * that — so tests import this module and call the policies the way @pulumi/policy does.
 *
 * Config (pulumi preview --policy-pack policy --policy-pack-config FILE), per policy:
 *   { "enforcementLevel": "advisory|mandatory|remediate|disabled", <settings of the rule> }
 * Remediations only where they are safe: drop-all adds ALL to capabilities.drop, and
 * privilege-escalation sets allowPrivilegeEscalation: false.
 */
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { InputError, InputErrors } from "../core/errors";
import { SETTING_SCHEMAS, parseRuleSettings } from "./config";
import { checkedContainers, expandLists, isRecord, podTemplateOf } from "./podSpecs";
import { RULES } from "./rules";
import { checkVerifications, ebpfVerification, kubernetesKind } from "./stackRules";
import type { KubeObject, Rule, RuleSettings } from "./types";

/** The settings a policy got from the pack config, validated (bad config → InputErrors naming the key). */
function settingsFor(rule: Pick<Rule, "name" | "settings">, config: object): RuleSettings {
  const errors: InputError[] = [];
  const settings = parseRuleSettings(rule, config as Record<string, unknown>, errors);
  if (errors.length) throw new InputErrors(errors);
  return settings;
}

/** A Pulumi Kubernetes resource's inputs as a Kubernetes object; undefined for other types. */
function kubeObjectOf(args: Pick<ResourceValidationArgs, "type" | "props" | "name">): KubeObject | undefined {
  const kind = kubernetesKind(args.type);
  if (!kind) return undefined;
  const props = args.props as Record<string, unknown>;
  const metadata = isRecord(props.metadata) ? props.metadata : {};
  // Auto-named resources have no metadata.name in their inputs: name them by the Pulumi name.
  return { ...props, kind, metadata: metadata.name === undefined ? { ...metadata, name: args.name } : metadata };
}

function configSchema(rule: Pick<Rule, "settings">): PolicyConfigSchema {
  return {
    properties: Object.fromEntries(rule.settings.map((k) => [k, SETTING_SCHEMAS[k] as PolicyConfigJSONSchema])),
  };
}

function validateWith(rule: Rule) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    const obj = kubeObjectOf(args);
    if (!obj) return;
    const settings = settingsFor(rule, args.getConfig());
    for (const item of expandLists(obj)) {
      const pod = podTemplateOf(item);
      if (!pod) continue;
      for (const f of rule.check(pod, settings)) {
        reportViolation(`${pod.resource}${f.container ? ` container ${f.container}` : ""}: ${f.field}: ${f.message}`);
      }
    }
  };
}

/**
 * Deep copy of plain objects and arrays; anything else (e.g. @pulumi/policy Secret values) is kept
 * by reference. structuredClone cannot be used: the engine hands props over behind a Proxy.
 */
function clonePlain(value: unknown): unknown {
  // Index by index: Array methods on the engine's proxied arrays trip the Proxy invariants (species lookup).
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => clonePlain(value[i]));
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, clonePlain(value[k])]));
  }
  return value;
}

type ContainerFix = (container: Record<string, unknown>) => boolean;

/** Applies a fix to every checked container of every pod template; the new props, or undefined when nothing changed. */
function remediateWith(rule: Rule, fix: ContainerFix) {
  return (args: ResourceValidationArgs): Record<string, unknown> | undefined => {
    if (!kubernetesKind(args.type)) return undefined;
    const props = clonePlain(args.props) as Record<string, unknown>;
    const obj = kubeObjectOf({ ...args, props });
    if (!obj) return undefined;
    const settings = settingsFor(rule, args.getConfig());
    let changed = false;
    // The clone's nested objects are shared with `obj`, so fixing a container fixes `props`.
    for (const item of expandLists({ ...props, kind: obj.kind })) {
      const pod = podTemplateOf(item);
      if (!pod) continue;
      for (const c of checkedContainers(pod, settings.exemptImages)) changed = fix(c.container) || changed;
    }
    return changed ? props : undefined;
  };
}

function securityContext(container: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(container.securityContext)) container.securityContext = {};
  return container.securityContext as Record<string, unknown>;
}

/** Adds ALL to capabilities.drop: added capabilities still apply after the drop. */
const addDropAll: ContainerFix = (container) => {
  const sc = securityContext(container);
  if (!isRecord(sc.capabilities)) sc.capabilities = {};
  const caps = sc.capabilities as Record<string, unknown>;
  const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
  if (drop.some((d) => d.trim().toUpperCase() === "ALL")) return false;
  caps.drop = [...drop, "ALL"];
  return true;
};

/** Sets allowPrivilegeEscalation: false. */
const disallowPrivilegeEscalation: ContainerFix = (container) => {
  const sc = securityContext(container);
  if (sc.allowPrivilegeEscalation === false) return false;
  sc.allowPrivilegeEscalation = false;
  return true;
};

const REMEDIATIONS: Record<string, ContainerFix> = {
  "drop-all": addDropAll,
  "privilege-escalation": disallowPrivilegeEscalation,
};

export function resourcePolicies(): ResourceValidationPolicy[] {
  return RULES.map((rule) => {
    const fix = REMEDIATIONS[rule.name];
    return {
      name: rule.name,
      description: rule.description,
      enforcementLevel: rule.defaultLevel,
      configSchema: configSchema(rule),
      validateResource: validateWith(rule),
      ...(fix ? { remediateResource: remediateWith(rule, fix) } : {}),
    };
  });
}

export function stackPolicies(): StackValidationPolicy[] {
  return [
    {
      name: ebpfVerification.name,
      description: ebpfVerification.description,
      enforcementLevel: ebpfVerification.defaultLevel,
      validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        settingsFor(ebpfVerification, args.getConfig());
        const resources = args.resources.map((r) => ({
          type: r.type,
          urn: r.urn,
          props: r.props as Record<string, unknown>,
        }));
        for (const f of checkVerifications(resources)) reportViolation(f.message, f.urn);
      },
    },
  ];
}

export function policies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [...resourcePolicies(), ...stackPolicies()];
}
