/**
 * The registry: every pod rule, in the order reports list them. The CrossGuard pack, `review`,
 * `conformance` and the bench all take their rules from this one list. The stack-level rule
 * (ebpf-verification) lives in ../stackRules.ts: it needs the whole stack, not one object.
 */
import { InputError } from "../../core/errors";
import type { Rule } from "../types";
import { acsComputeLabels } from "./acsComputeLabels";
import { capabilities } from "./capabilities";
import { dropAll } from "./dropAll";
import { ebpfHostUsers } from "./ebpfHostUsers";
import { ebpfLeastPrivilege } from "./ebpfLeastPrivilege";
import { ebpfTolerations } from "./ebpfTolerations";
import { hostNamespaces } from "./hostNamespaces";
import { hostPath } from "./hostPath";
import { imageDigest } from "./imageDigest";
import { imagePullPolicy } from "./imagePullPolicy";
import { privileged } from "./privileged";
import { privilegeEscalation } from "./privilegeEscalation";
import { runAsNonRoot } from "./runAsNonRoot";
import { seccomp } from "./seccomp";
import { unusedVolumes } from "./unusedVolumes";

export const RULES: readonly Rule[] = [
  ebpfLeastPrivilege,
  ebpfHostUsers,
  ebpfTolerations,
  capabilities,
  dropAll,
  privileged,
  privilegeEscalation,
  hostNamespaces,
  hostPath,
  unusedVolumes,
  seccomp,
  runAsNonRoot,
  imageDigest,
  imagePullPolicy,
  acsComputeLabels,
];

export const RULE_NAMES: readonly string[] = RULES.map((r) => r.name);

export function ruleByName(name: string): Rule | undefined {
  return RULES.find((r) => r.name === name);
}

/** A release version as numbers: `0.1.0` → [0, 1, 0]; undefined when it is not one. */
export function parseRuleVersion(version: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function notAfter(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return true;
}

/**
 * The rules as a given package version had them (as Pod Security pins a policy version): the ones
 * that appeared, or last changed what they report, at or before it. Throws an InputError naming
 * `input` for a malformed version.
 */
export function rulesAt(version: string, input = "rulesVersion", rules: readonly Rule[] = RULES): readonly Rule[] {
  const pin = parseRuleVersion(version);
  if (!pin) throw new InputError(input, version, "a release version such as 0.1.0");
  return rules.filter((r) => notAfter(parseRuleVersion(r.since)!, pin));
}
