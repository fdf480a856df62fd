/**
 * The report as the command writes it while reviewing (policy/report/writers.ts) against the
 * formatters over the whole report held in memory: the same bytes for table, JSON and JUnit, the
 * same SARIF log (its run lists results before invocations).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultConfig } from "../../policy/config";
import { reviewPaths } from "../../policy/report/inputs";
import { formatJunit } from "../../policy/report/junit";
import { toSarif } from "../../policy/report/sarif";
import { reviewInputs } from "../../policy/report/stream";
import { formatJson, formatTable } from "../../policy/report/text";
import { FORMATS, Format, Output, exitOf, reportWriter } from "../../policy/report/writers";

const VENDOR = path.join(__dirname, "..", "..", "policy", "testdata", "vendor-deployment.yaml");
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-writers-"));
  fs.copyFileSync(VENDOR, path.join(dir, "a-vendor.yaml"));
  fs.writeFileSync(path.join(dir, "b-bad.yaml"), "apiVersion: v1\nkind: Pod\nkind: Pod\n");
  fs.writeFileSync(path.join(dir, "c-config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  fs.writeFileSync(path.join(dir, "d-empty.yaml"), "");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function written(format: Format, paths: string[]): { text: string; exit: number } {
  const out = path.join(dir, `out-${format}`);
  const fd = fs.openSync(out, "w");
  const writer = reportWriter(format, new Output(fd), {
    version: () => "9.9.9",
    readmeUrl: "https://example.invalid/r",
  });
  const counts = writer.end(reviewInputs(paths, { config: defaultConfig() }, writer));
  fs.closeSync(fd);
  return { text: fs.readFileSync(out, "utf8"), exit: exitOf(counts) };
}

describe("the report written while reviewing", () => {
  const cases: [string, () => string[]][] = [
    ["a folder with a violation, a malformed file, a skipped and an empty one", () => [dir]],
    ["one clean input", () => [path.join(dir, "c-config.yaml")]],
    ["a missing path", () => [path.join(dir, "missing.yaml"), VENDOR]],
  ];
  for (const [name, paths] of cases) {
    test(`${name}: the formatters' output, in every format`, () => {
      const report = reviewPaths(paths());
      const expected: Record<Format, string> = {
        table: formatTable(report),
        json: formatJson(report),
        junit: formatJunit(report).replace(/\n$/, ""),
        sarif: "",
      };
      for (const format of FORMATS) {
        const { text, exit } = written(format, paths());
        expect(exit).toBe(report.errors.length ? 2 : report.violations.some((v) => v.level === "mandatory") ? 1 : 0);
        if (format === "sarif")
          expect(JSON.parse(text)).toEqual(
            toSarif(report, { version: "9.9.9", readmeUrl: "https://example.invalid/r" }),
          );
        else expect(text).toBe(`${expected[format]}\n`);
      }
    });
  }
});
