import { expandLists, imageExempt, podTemplateOf } from "./podSpecs";

const spec = {
  containers: [{ name: "c", image: "i" }],
  initContainers: [{ name: "i", image: "i" }],
  ephemeralContainers: [{ name: "e", image: "i" }],
};
const template = { metadata: { labels: { a: "b" }, annotations: { k: "v" } }, spec };

describe("podTemplateOf", () => {
  it.each([
    [
      "Pod",
      { apiVersion: "v1", kind: "Pod", metadata: { name: "x", labels: { a: "b" }, annotations: { k: "v" } }, spec },
      "spec",
      "metadata",
    ],
    [
      "Deployment",
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "ReplicaSet",
      { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "StatefulSet",
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "DaemonSet",
      { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "Job",
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "ReplicationController",
      { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "x" }, spec: { template } },
      "spec.template.spec",
      "spec.template.metadata",
    ],
    [
      "CronJob",
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "x" },
        spec: { jobTemplate: { spec: { template } } },
      },
      "spec.jobTemplate.spec.template.spec",
      "spec.jobTemplate.spec.template.metadata",
    ],
    [
      "PodTemplate",
      { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "x" }, template },
      "template.spec",
      "template.metadata",
    ],
  ])("%s", (kind, obj, specPath, metadataPath) => {
    const pod = podTemplateOf(obj)!;
    expect(pod.resource).toBe(`${kind}/x`);
    expect(pod.specPath).toBe(specPath);
    expect(pod.metadataPath).toBe(metadataPath);
    expect(pod.metadata).toEqual({ labels: { a: "b" }, annotations: { k: "v" } });
    expect(pod.containers.map((c) => [c.name, c.path])).toEqual([
      ["c", `${specPath}.containers[0]`],
      ["i", `${specPath}.initContainers[0]`],
      ["e", `${specPath}.ephemeralContainers[0]`],
    ]);
  });

  it.each([
    ["a kind without pods", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }],
    [
      "a Deployment without a template",
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: {} },
    ],
    ["a Pod without a spec", { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }],
  ])("is undefined for %s", (_name, obj) => {
    expect(podTemplateOf(obj)).toBeUndefined();
  });

  it("reads labels and annotations as strings: values YAML typed otherwise are converted, null ones dropped", () => {
    const labels = { tier: "web", replicas: 3, canary: true, gone: null };
    const annotations = { "acs-ebpf.io/kernel": "6.6.71" };
    const pod = podTemplateOf({ apiVersion: "v1", kind: "Pod", metadata: { name: "x", labels, annotations }, spec })!;
    expect(pod.metadata).toEqual({
      labels: { tier: "web", replicas: "3", canary: "true" },
      annotations: { "acs-ebpf.io/kernel": "6.6.71" },
    });
    expect(labels.replicas).toBe(3); // the object itself is not changed
  });

  it("names generateName objects and skips container entries that are not mappings", () => {
    const pod = podTemplateOf({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { generateName: "job-" },
      spec: { containers: [null, "x", { image: "i" }] },
    })!;
    expect(pod.resource).toBe("Pod/job-*");
    expect(pod.containers.map((c) => c.name)).toEqual(["containers[2]"]);
  });
});

describe("expandLists", () => {
  it("flattens List and <Kind>List objects recursively", () => {
    const a = { apiVersion: "v1", kind: "Pod", metadata: { name: "a" } };
    const b = { apiVersion: "v1", kind: "Pod", metadata: { name: "b" } };
    const list = { apiVersion: "v1", kind: "List", items: [a, { apiVersion: "v1", kind: "PodList", items: [b, 7] }] };
    expect(expandLists(list)).toEqual([a, b]);
    expect(expandLists(a)).toEqual([a]);
  });
});

describe("imageExempt", () => {
  it.each([
    ["nginx", ["nginx"], true],
    ["nginx:1", ["nginx"], false],
    ["safe.io/x", ["safe.io/*"], true],
    ["unsafe.io/x", ["safe.io/*"], false],
    ["x", [], false],
  ])("%s with %j → %s", (image, exempt, expected) => {
    expect(imageExempt(image, exempt)).toBe(expected);
  });
});
