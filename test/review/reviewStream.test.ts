/**
 * The review's fast path (findings straight from the rules into the report, shared strings, cached
 * walks to each document's parents) against the plain path: reviewDocuments over js-yaml's own
 * loadAll, and every position looked up in a freshly parsed stream (no cache).
 */
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import * as yaml from "js-yaml";
import { reviewText, ReviewReport } from "../../policy/report/inputs";
import { defaultConfig } from "../../policy/config";
import { reviewDocuments } from "../../policy/review";
import { parseYamlStream } from "../../policy/yamlStream";

const vendor = yaml.load(
  fs.readFileSync(path.join(__dirname, "..", "..", "policy", "testdata", "vendor-deployment.yaml"), "utf8"),
) as {
  spec: {
    template: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[]; volumes?: unknown } };
  };
};

/** Variations of the vendor Deployment that move, add and remove the fields the rules report. */
const workload = fc
  .record({
    name: fc.constantFrom("a", "b", "demo"),
    kind: fc.constantFrom("Deployment", "DaemonSet", "Pod", "ConfigMap"),
    caps: fc.subarray(["SYS_ADMIN", "NET_ADMIN", "BPF", "PERFMON", "CAP_SYS_PTRACE", "CHOWN", "ALL"]),
    drop: fc.option(fc.constantFrom(["ALL"], ["NET_RAW"]), { nil: undefined }),
    privileged: fc.option(fc.boolean(), { nil: undefined }),
    seccomp: fc.option(fc.constantFrom("RuntimeDefault", "Unconfined"), { nil: undefined }),
    containers: fc.integer({ min: 1, max: 3 }),
    volumes: fc.boolean(),
    flow: fc.boolean(),
  })
  .map((w) => {
    const template = structuredClone(vendor.spec.template);
    const base = template.spec.containers[0];
    template.spec.containers = Array.from({ length: w.containers }, (_, i) => {
      const c = structuredClone(base);
      c.name = `c${i}`;
      c.securityContext = {
        capabilities: { add: w.caps, ...(w.drop ? { drop: w.drop } : {}) },
        ...(w.privileged !== undefined ? { privileged: w.privileged } : {}),
        ...(w.seccomp ? { seccompProfile: { type: w.seccomp } } : {}),
      };
      return c;
    });
    if (!w.volumes) delete template.spec.volumes;
    const metadata = { name: w.name, labels: { app: w.name } };
    const object =
      w.kind === "Pod"
        ? {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { ...metadata, ...template.metadata, name: w.name },
            spec: template.spec,
          }
        : w.kind === "ConfigMap"
          ? { apiVersion: "v1", kind: "ConfigMap", metadata, data: { a: "b" } }
          : {
              apiVersion: "apps/v1",
              kind: w.kind,
              metadata,
              spec: { selector: { matchLabels: { app: w.name } }, template },
            };
    return { object: JSON.parse(JSON.stringify(object)) as object, flow: w.flow };
  });

const stream = fc
  .array(fc.oneof({ arbitrary: workload, weight: 6 }, { arbitrary: fc.constant(null), weight: 1 }), {
    minLength: 1,
    maxLength: 5,
  })
  .chain((docs) =>
    fc.boolean().map((asList) => {
      const objects = docs.filter((d): d is NonNullable<typeof d> => d !== null);
      if (asList && objects.length > 1)
        return yaml.dump({ apiVersion: "v1", kind: "List", items: objects.map((d) => d.object) });
      return docs
        .map((d) => (d === null ? "# nothing here\n" : yaml.dump(d.object, { flowLevel: d.flow ? 4 : -1 })))
        .join("---\n");
    }),
  );

describe("the review's fast path agrees with the plain path", () => {
  test("same violations in the same order, each at the position an uncached lookup finds", () => {
    fc.assert(
      fc.property(stream, (text) => {
        const report: ReviewReport = { files: [], workloads: [], violations: [], errors: [], notes: [], reviewed: 0 };
        reviewText("f.yaml", text, defaultConfig(), report);
        const plain = reviewDocuments(yaml.loadAll(text));
        expect(report.reviewed).toBe(plain.reviewed);
        // An input with no document at all gets one note of its own instead.
        const empty = yaml.loadAll(text).every((d) => d === null || d === undefined);
        expect(report.notes).toEqual(
          empty ? ["f.yaml: empty, nothing to review"] : plain.notes.map((n) => `f.yaml: ${n}`),
        );
        expect(report.workloads).toEqual(plain.workloads.map((w) => ({ file: "f.yaml", resource: w.resource })));
        const keys = ["resource", "container", "rule", "level", "field", "message", "workload"] as const;
        const pick = (v: Record<(typeof keys)[number], unknown>) => keys.map((k) => v[k]);
        expect(report.violations.map(pick)).toEqual(plain.violations.map(pick));
        plain.violations.forEach((v, i) => {
          const at = parseYamlStream(text).locate(v.document, v.objectPath, v.field);
          expect([report.violations[i].line, report.violations[i].column]).toEqual([
            at?.line ?? null,
            at?.column ?? null,
          ]);
        });
        return report.violations.length > 0 || plain.violations.length === 0;
      }),
      { numRuns: 150 },
    );
  });
});
