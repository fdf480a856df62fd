/**
 * Whether an existing namespace admits the probe's pods under Pod Security admission, decided from
 * its labels before anything is created. The API server enforces the level on pods, not on their
 * Deployment: a namespace that refuses the probe would accept the Deployment and leave it with no
 * pod until the rollout times out. The level the probe needs is the capability plan's.
 */
import type { CapabilityPlan } from "./capabilities";
import { InputError } from "./errors";

export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** Pod Security Standards levels, from the most to the least permissive. */
const LEVELS = ["privileged", "baseline", "restricted"] as const;

/**
 * The refusal the namespace's enforce level means for pods that need `plan.podSecurityLevel`, as
 * an InputError on `input` (named as the caller wrote it); undefined when the pods are admitted.
 * With no enforce label the cluster's default level applies, which a label cannot tell: admitted
 * (the workload's warning already says what the namespace needs).
 */
export function namespacePodSecurityRefusal(
  namespace: string,
  labels: Record<string, string> | undefined,
  plan: Pick<CapabilityPlan, "podSecurityLevel" | "add">,
  input = "namespace",
): InputError | undefined {
  const level = labels?.[ENFORCE_LABEL];
  if (level === undefined || level === plan.podSecurityLevel) return undefined;
  const needed = LEVELS.indexOf(plan.podSecurityLevel);
  const known = (LEVELS as readonly string[]).includes(level);
  if (known && LEVELS.indexOf(level as (typeof LEVELS)[number]) <= needed) return undefined;
  const added = plan.add.map((g) => g.name).join(", ");
  const why = known
    ? `it enforces Pod Security "${level}" (label ${ENFORCE_LABEL}=${level}), which rejects the probe's pods: they add ${added}, outside "baseline"`
    : `its label ${ENFORCE_LABEL}=${level} is not a Pod Security level (${LEVELS.join(", ")})`;
  return new InputError(
    input,
    namespace,
    `a namespace that enforces "${plan.podSecurityLevel}" (kubectl label namespace ${namespace} ${ENFORCE_LABEL}=${plan.podSecurityLevel} --overwrite), a Pod Security exemption for the workload, or createNamespace true`,
    why,
  );
}
