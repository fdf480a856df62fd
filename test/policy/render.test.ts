/**
 * What `render` produces (and the EbpfWorkload component registers: the same builders) passes the
 * rules: the policy and the manifests agree on least privilege.
 */
import * as path from "path";
import { buildWorkloadManifests, pullPolicyFor } from "../../core/manifests";
import { resolveWorkload } from "../../core/workloadOptions";
import { renderStack } from "../../cli/render";
import { reviewDocuments } from "../../policy/review";

const DIGEST_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"d".repeat(64)}`;

function manifests(options: Partial<Parameters<typeof resolveWorkload>[0]>) {
  const w = resolveWorkload({ name: "workbench", namespace: "ebpf", ...options });
  return buildWorkloadManifests(w, { image: DIGEST_IMAGE, imagePullPolicy: pullPolicyFor(DIGEST_IMAGE) });
}

describe("the Deployment that render produces", () => {
  it.each([
    ["defaults (fentry, unknown kernel)", {}],
    ["kernel 5.10", { kernel: "5.10.134-16.3.al8.x86_64" }],
    ["kernel 6.6", { kernel: "6.6.71" }],
    ["arm64 kernel 6.6", { kernel: "6.6.71", architecture: "arm64" }],
    ["tracepoint (tracefs mount)", { probeKinds: ["tracepoint"], kernel: "6.6.71" }],
    ["tc and ksym", { probeKinds: ["fentry", "tc", "ksym"] }],
    ["performance class, best-effort", { computeClass: "performance", computeQos: "best-effort" }],
  ])("has no violation: %s", (_name, options) => {
    const objects = manifests(options);
    expect(objects.map((o) => o.kind)).toContain("Deployment");
    const review = reviewDocuments(objects);
    expect(review.reviewed).toBe(1);
    expect(review.violations).toEqual([]);
  });

  it.each([
    ["no tolerations", [], []],
    [
      "control-plane NoSchedule",
      [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" as const, effect: "NoSchedule" as const }],
      [],
    ],
    // Accepted by the component when asked for; the reviewer advises naming the taints instead.
    ["every taint", [{ operator: "Exists" as const }], ["advisory ebpf-tolerations spec.template.spec.tolerations[0]"]],
  ])("the node placement's DaemonSet has no mandatory violation: %s", (_name, tolerations, advised) => {
    const objects = manifests({ placement: "node", kernel: "6.6.71", tolerations });
    const daemonSet = objects.find((o) => o.kind === "DaemonSet") as {
      spec: { template: { spec: { tolerations?: unknown[] } } };
    };
    expect(daemonSet.spec.template.spec.tolerations ?? []).toEqual(tolerations);
    const review = reviewDocuments(objects);
    expect(review.reviewed).toBe(1);
    expect(review.violations.map((v) => `${v.level} ${v.rule} ${v.field}`)).toEqual(advised);
  });

  it("the vendor-demo profile is flagged (the comparison profile is high risk)", () => {
    const rules = new Set(
      reviewDocuments(manifests({ capabilityProfile: "vendor-demo" })).violations.map((v) => v.rule),
    );
    expect(rules).toEqual(new Set(["ebpf-least-privilege", "host-path", "drop-all", "seccomp"]));
  });

  it("the dev stack's render has no mandatory violation; only the image reference (a tag in render, the digest in pulumi up) is advised on", () => {
    const { objects } = renderStack(path.join(__dirname, "..", ".."), "dev");
    const review = reviewDocuments(objects);
    expect(review.reviewed).toBe(1);
    expect(review.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    for (const v of review.violations) expect(["image-digest", "image-pull-policy"]).toContain(v.rule);
  });
});
