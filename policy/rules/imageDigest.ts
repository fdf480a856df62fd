/**
 * image-digest — images are pinned by digest (advisory by default).
 *
 * Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].image
 * Allowed values: `<repository>@sha256:<64 hex>` (a tag may precede the digest).
 * Why: a tag can be moved to other content after review; a digest names exactly the image that
 * was reviewed and built (the workbench component deploys its build's repoDigest).
 */
import { checkedContainers } from "../podSpecs";
import type { Finding, PodTemplate, Rule, RuleSettings } from "../types";
import { fieldPath, sharedText } from "../shared";

const DIGEST_REFERENCE = /@sha256:[0-9a-f]{64}$/;

export function isDigestPinned(image: string): boolean {
  return DIGEST_REFERENCE.test(image.trim());
}

const notPinned = sharedText(
  (image: string) =>
    `image ${image} is not pinned by digest; use ${image.replace(/:[^:/]+$/, "")}@sha256:<digest> (e.g. the digest docker push or the image build reports)`,
);

export const imageDigest: Rule = {
  name: "image-digest",
  since: "0.1.0",
  description: "Images are pinned by digest (image@sha256:…).",
  defaultLevel: "advisory",
  settings: ["exemptImages"],
  check(pod: PodTemplate, settings: RuleSettings): Finding[] {
    return checkedContainers(pod, settings.exemptImages)
      .filter((c) => typeof c.container.image !== "string" || !isDigestPinned(c.container.image))
      .map((c) => ({
        container: c.name,
        field: fieldPath(c.path, "image"),
        message:
          typeof c.container.image === "string" && c.container.image.trim() !== ""
            ? notPinned(c.container.image)
            : "has no image; set an image pinned by digest (repository@sha256:<digest>)",
      }));
  },
};
