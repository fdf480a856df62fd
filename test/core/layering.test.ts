import * as fs from "fs";
import * as path from "path";

// docs/design.md#dependency-direction: dependencies point down; program and CLIs → components →
// verification / policy → core. core/ imports nothing above it.
const ROOT = path.join(__dirname, "..", "..");
const MAY_IMPORT: Record<string, string[]> = {
  core: ["core", "images"],
  verification: ["core", "verification", "images"],
  policy: ["core", "policy", "images"],
};

function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
}

describe("layering", () => {
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${layer}/ imports only from ${allowed.join(", ")}`, () => {
      const files = fs
        .readdirSync(path.join(ROOT, layer), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
      expect(files.length).toBeGreaterThan(0);
      const violations: string[] = [];
      for (const f of files) {
        const abs = path.join(ROOT, layer, f);
        for (const spec of relativeImports(abs)) {
          const target = path.relative(ROOT, path.resolve(path.dirname(abs), spec)).split(path.sep)[0];
          if (!allowed.includes(target)) violations.push(`${layer}/${f} imports ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }
});
