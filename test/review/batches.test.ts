/**
 * The review in batches of whole documents (what keeps its memory flat) against the review of the
 * same text in one piece: the same workloads, notes, violations, lines and columns, whatever the
 * batch size, with directives, end markers, comments and content on the `---` line; a malformed
 * document ends its input at the line a whole-text parse names, after the documents before it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import * as yaml from "js-yaml";
import { defaultConfig } from "../../policy/config";
import { emptyReport, reviewPaths, reviewText } from "../../policy/report/inputs";
import { documentCuts, lastDocumentCut } from "../../policy/report/documentCuts";
import { reviewDocuments } from "../../policy/review";

const vendor = fs
  .readFileSync(path.join(__dirname, "..", "..", "policy", "testdata", "vendor-deployment.yaml"), "utf8")
  .replace(/^#.*\n/gm, "");

const ebpfProbe = `apiVersion: apps/v1
kind: Deployment
metadata: {name: probe}
spec:
  selector: {matchLabels: {app: probe}}
  template:
    metadata: {labels: {app: probe}, annotations: {ebpf.acs.io/program-types: kprobe}}
    spec:
      containers:
        - name: probe
          image: example.invalid/probe:v1
          securityContext:
            capabilities: {add: [BPF, PERFMON], drop: [ALL]}
`;

/** Pieces a stream is written from: each a document with what may stand around its `---`. */
const piece = fc.constantFrom(
  vendor,
  ebpfProbe,
  "# only a comment\n",
  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
  "text: |\n  a block scalar\n  --- not a marker: indented\n",
  "{apiVersion: v1, kind: Pod, metadata: {name: flow}, spec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}}\n",
);
const separator = fc.constantFrom(
  "---\n",
  "--- \n",
  "---\n# between\n",
  "...\n---\n",
  "...\n%YAML 1.2\n---\n",
  "---\r\n",
);

const streamText = fc
  .array(fc.tuple(separator, piece), { minLength: 1, maxLength: 12 })
  .map((parts) => parts.map(([sep, doc], i) => (i === 0 ? doc : sep + doc)).join(""));

function reviewIn(text: string, batch?: number) {
  const report = emptyReport();
  reviewText("s.yaml", text, defaultConfig(), report, batch);
  return report;
}

describe("the review in batches", () => {
  test("finds what the review of the text in one piece finds, at the same lines and columns", () => {
    fc.assert(
      fc.property(streamText, fc.integer({ min: 1, max: 3000 }), (text, batch) => {
        const whole = reviewIn(text, Number.MAX_SAFE_INTEGER);
        expect(reviewIn(text, batch)).toEqual(whole);
        // The one-piece review sees the documents js-yaml's loadAll sees (test/review/reviewStream.test.ts holds the rest).
        expect(whole.errors).toEqual([]);
        expect(whole.reviewed).toBe(reviewDocuments(yaml.loadAll(text)).reviewed);
      }),
      { numRuns: 200 },
    );
  });

  test("a malformed document ends its input at its line; the documents before it are reviewed", () => {
    fc.assert(
      fc.property(streamText, streamText, fc.integer({ min: 1, max: 3000 }), (before, after, batch) => {
        const bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n";
        const text = `${before}---\n${bad}---\n${after}`;
        const line = (() => {
          try {
            yaml.loadAll(text);
          } catch (e) {
            return ((e as yaml.YAMLException).mark?.line ?? -1) + 1;
          }
          return -1;
        })();
        const batched = reviewIn(text, batch);
        expect(batched.errors).toEqual([
          { file: "s.yaml", line, message: expect.stringMatching(/^not valid YAML: deficient indentation/) },
        ]);
        const prefix = reviewIn(`${before}---\n`, Number.MAX_SAFE_INTEGER);
        expect(batched.violations).toEqual(prefix.violations);
        expect(batched.workloads).toEqual(prefix.workloads);
      }),
      { numRuns: 100 },
    );
  });

  test("a file read in chunks (multi-byte characters across reads) is reviewed as its text is", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-batches-"));
    try {
      // Over 1 MB: several reads and several batches; "é" in a comment makes the reads split characters.
      const docs = Array.from(
        { length: 900 },
        (_, i) => `# déploiement ${"é".repeat(i % 7)}\n${vendor.replace(/acs-test-ebpf-demo/g, `demo-${i}`)}`,
      );
      const text = docs.join("---\n");
      const file = path.join(dir, "big.yaml");
      fs.writeFileSync(file, text);
      const fromFile = reviewPaths([file]);
      const fromText = reviewIn(text, Number.MAX_SAFE_INTEGER);
      expect(fromFile.violations).toEqual(fromText.violations.map((v) => ({ ...v, file })));
      expect(fromFile.reviewed).toBe(900);
      expect(fromFile.violations[fromFile.violations.length - 1].line).toBeGreaterThan(900 * 40);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("cuts fall at the start of `---` lines, above their directives, never inside a block scalar", () => {
    const text = "a: 1\n...\n%YAML 1.2\n---\nb: |\n  ---\n---x: 2\n--- c\n";
    expect(documentCuts(text)).toEqual([text.indexOf("...\n") + 4, text.indexOf("--- c")]);
    expect(lastDocumentCut(text)).toBe(text.indexOf("--- c"));
    // A marker whose next character is not read yet is not a cut.
    expect(lastDocumentCut("a: 1\n---")).toBe(-1);
  });
});
