/**
 * The corpus `npm run bench -- --peers` times every tool on means what the verdict table says: the
 * reviewer passes the least-privilege eBPF probe and the restricted app, and flags each other
 * variant for the reason its description gives.
 */
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import { defaultConfig } from "../../policy/config";
import { emptyReport, reviewPaths, reviewText } from "../../policy/report/inputs";
import { VARIANTS, writeCorpus } from "../../bench/peers/corpus";

function rulesOf(variant: string): string[] {
  const v = VARIANTS.find((x) => x.name === variant)!;
  const report = emptyReport();
  reviewText("v.yaml", v.document(v.name), defaultConfig(), report);
  expect(report.errors).toEqual([]);
  expect(report.reviewed).toBe(1);
  return [...new Set(report.violations.map((x) => x.rule))].sort();
}

describe("the peer corpus", () => {
  test("each variant is judged as its description says", () => {
    expect(rulesOf("ebpf-probe")).toEqual([]);
    expect(rulesOf("restricted")).toEqual([]);
    expect(rulesOf("vendor")).toEqual(expect.arrayContaining(["ebpf-least-privilege", "drop-all", "host-path"]));
    expect(rulesOf("ebpf-sys-admin")).toEqual(["ebpf-least-privilege"]);
    expect(rulesOf("privileged")).toContain("privileged");
    expect(rulesOf("no-security-context")).toEqual(expect.arrayContaining(["drop-all", "seccomp"]));
  });

  test("a corpus of n documents cycles through the variants, each workload named apart", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-corpus-"));
    try {
      const file = path.join(dir, "c.yaml");
      writeCorpus(file, 13);
      const report = reviewPaths([file]);
      expect(report.reviewed).toBe(13);
      expect(new Set(report.workloads.map((w) => w.resource)).size).toBe(13);
      expect(report.workloads[VARIANTS.length].resource).toBe(`Deployment/${VARIANTS[0].name}-${VARIANTS.length}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
