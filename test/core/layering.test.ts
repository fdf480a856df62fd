/**
 * Dependencies point down (docs/design.md, "Dependency direction"): the stack program and the
 * CLIs → components → verification / policy → core, with images/ (the pinned versions) beside
 * core. Every folder of the repository is listed, so a new folder has to be placed; test doubles
 * live in testing/, which no production folder may import; and no module imports itself back
 * through another.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** The folders each folder may import from, besides itself ("." is the stack program, index.ts). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  images: ["core"],
  policy: ["core"],
  verification: ["core"],
  components: ["core", "images", "policy", "verification"],
  cli: ["core", "images", "policy", "verification", "components"],
  ".": ["core", "images", "policy", "verification", "components"],
  provider: ["components"],
  // Platform stacks import the package by name ("acs-ebpf"), as a user's stack does.
  examples: [],
  // Test doubles for the suites and the bench; never imported by the folders above.
  testing: ["core", "images", "policy", "verification", "components"],
  // The engine builds, and the docs generator, which reads the config and rule tables.
  tools: ["core", "policy"],
  kernels: ["core", "images", "verification", "testing", "tools"],
  cluster: ["core", "images", "policy", "verification", "components", "kernels", "tools", "testing"],
  bench: ["core", "policy", "verification", "components", "cli", "testing"],
  test: ["*"],
};
/** Folders that hold no TypeScript of ours. */
const NO_CODE = new Set(["node_modules", "dist", "bin", "out", "coverage", "docs", ".git", ".ci"]);

const IMPORT = /(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g;

function relativeImports(file: string): string[] {
  return [...fs.readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => m[1]);
}

/** Every .ts file under the root, relative to it, outside the folders without code. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        // Folders without code are top-level ones (tools/docs holds code); node_modules is skipped anywhere.
        if (entry.name !== "node_modules" && !(dir === "" && NO_CODE.has(entry.name))) walk(rel);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(rel);
    }
  };
  walk("");
  return out;
}

const folderOf = (file: string) => (file.includes(path.sep) ? file.split(path.sep)[0] : ".");

/** The file an import names: spec.ts, spec/index.ts or the spec itself (JSON). */
function resolveImport(from: string, spec: string): string | undefined {
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile())
      return path.normalize(candidate);
  }
  return undefined;
}

const files = sourceFiles();
const imports = new Map(
  files.map((f) => [f, relativeImports(path.join(ROOT, f)).map((spec) => ({ spec, target: resolveImport(f, spec) }))]),
);

describe("layering", () => {
  test("every folder with TypeScript has a place in the layering", () => {
    const folders = [...new Set(files.map(folderOf))].sort();
    expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });

  test("every relative import resolves to a file", () => {
    const unresolved = [...imports].flatMap(([f, list]) =>
      list.filter((i) => i.target === undefined).map((i) => `${f} imports ${i.spec}`),
    );
    expect(unresolved).toEqual([]);
  });

  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    test(`${layer === "." ? "the stack program" : `${layer}/`} imports only from ${allowed.join(", ") || "itself"}`, () => {
      const violations: string[] = [];
      for (const [f, list] of imports) {
        // A test beside its module (policy/rules/*.test.ts) belongs to the test suite.
        if (folderOf(f) !== layer || f.endsWith(".test.ts")) continue;
        for (const { spec, target } of list) {
          const to = target && folderOf(target);
          if (to && to !== layer && !allowed.includes(to) && !allowed.includes("*"))
            violations.push(`${f} imports ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  test("no import cycle among the modules (tests aside)", () => {
    const graph = new Map(
      [...imports]
        .filter(([f]) => !f.endsWith(".test.ts") && folderOf(f) !== "test")
        .map(([f, list]) => [f, list.map((i) => i.target).filter((t): t is string => t?.endsWith(".ts") === true)]),
    );
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === "open") cycles.push([...stack.slice(stack.indexOf(t)), t].join(" → "));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
