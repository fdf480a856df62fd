/**
 * image-pull-policy — imagePullPolicy consistent with how the image is referenced (advisory by default).
 *
 * Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].imagePullPolicy
 * Allowed values:
 *   image pinned by digest            any policy (the content cannot change; IfNotPresent is enough)
 *   image by tag (incl. none/latest)  Always — IfNotPresent (the default for tags other than latest)
 *                                     or Never keep running whatever a node pulled first
 * Why: with a movable tag and a cached pull, two nodes run two different images under one name.
 */
import { checkedContainers } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { isDigestPinned } from "./imageDigest";
import { fieldPath } from "../shared";

function tagOf(image: string): string | undefined {
  const last = image.slice(image.lastIndexOf("/") + 1);
  const i = last.indexOf(":");
  return i < 0 ? undefined : last.slice(i + 1);
}

export const imagePullPolicy: Rule = {
  name: "image-pull-policy",
  since: "0.1.0",
  description: "imagePullPolicy is Always for images referenced by tag (any policy for digests).",
  defaultLevel: "advisory",
  settings: ["exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    const findings: Finding[] = [];
    for (const c of checkedContainers(pod, settings.exemptImages)) {
      const image = c.container.image;
      if (typeof image !== "string" || image.trim() === "" || isDigestPinned(image)) continue;
      const tag = tagOf(image.trim());
      const policy = c.container.imagePullPolicy;
      const effective = policy ?? (tag === undefined || tag === "latest" ? "Always" : "IfNotPresent");
      if (effective === "Always") continue;
      findings.push({
        container: c.name,
        field: fieldPath(c.path, "imagePullPolicy"),
        message: `${policy === undefined ? `is not set, so ${effective} applies` : `is ${String(policy)}`} for movable tag ${image}: nodes keep whatever they pulled first; pin the image by digest, or set imagePullPolicy: Always`,
      });
    }
    return findings;
  },
};
