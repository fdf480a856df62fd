/**
 * The registry: every pod rule, in the order reports list them. The CrossGuard pack, `review`,
 * `conformance` and the bench all take their rules from this one list. The stack-level rule
 * (ebpf-verification) lives in ../stackRules.ts: it needs the whole stack, not one object.
 */
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
