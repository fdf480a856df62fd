/**
 * The documentation's links and the code's citations of it land somewhere: every relative link in
 * README.md, CHANGELOG.md and docs/ names an existing file (and heading or anchor), and every
 * `docs/<file>.md#<section>` cited in the sources names an existing section.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const SKIP_DIRS = new Set(["node_modules", "dist", "bin", "out", ".git", "coverage"]);
const SOURCE = /\.(ts|js|mjs|cjs|json|ya?ml|sh|go|py|md)$|^run$|Dockerfile$/;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(path.join(dir, e.name));
    return SOURCE.test(e.name) ? [path.join(dir, e.name)] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; plus explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  for (const m of markdown.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]);
  return anchors;
}

/** A missing target is allowed only for the cluster guide, which ships with the cluster suite (cluster/). */
function mayBeMissing(target: string): boolean {
  return target === path.join(ROOT, "docs", "cluster.md") && !fs.existsSync(path.join(ROOT, "cluster"));
}

function check(from: string, target: string, anchor: string | undefined, problems: string[]) {
  const where = path.relative(ROOT, from);
  if (!fs.existsSync(target)) {
    if (!mayBeMissing(target)) problems.push(`${where}: ${path.relative(ROOT, target)} does not exist`);
    return;
  }
  if (anchor && target.endsWith(".md") && !anchorsOf(fs.readFileSync(target, "utf8")).has(anchor)) {
    problems.push(`${where}: no section #${anchor} in ${path.relative(ROOT, target)}`);
  }
}

describe("documentation links", () => {
  const docs = [
    path.join(ROOT, "README.md"),
    path.join(ROOT, "CHANGELOG.md"),
    ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => path.join(ROOT, "docs", f)),
  ].filter((f) => f.endsWith(".md"));

  test("every relative link in README.md, CHANGELOG.md and docs/ lands on a file and a section", () => {
    const problems: string[] = [];
    let links = 0;
    for (const file of docs) {
      const text = fs.readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue; // https:, mailto:
        const [target, anchor] = m[1].split("#");
        links++;
        check(file, target ? path.resolve(path.dirname(file), target) : file, anchor, problems);
      }
    }
    expect(links).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });

  test("every docs/<file>.md#<section> the sources cite exists, and no source cites the old design file", () => {
    const problems: string[] = [];
    let citations = 0;
    const oldDesign = ["DESIGN", "md"].join(".");
    for (const file of walk(ROOT)) {
      if (file === __filename) continue;
      const text = fs.readFileSync(file, "utf8");
      if (text.includes(oldDesign)) problems.push(`${path.relative(ROOT, file)} cites ${oldDesign}`);
      for (const m of text.matchAll(/docs\/([\w-]+\.md)(?:#([\w-]+)(?![\w$<{-]))?/g)) {
        citations++;
        check(file, path.join(ROOT, "docs", m[1]), m[2], problems);
      }
    }
    expect(citations).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  test("the anchor rules match GitHub's for the headings the docs use", () => {
    const anchors = anchorsOf(
      "# A\n## `npm run e2e`: the real Pulumi engine\n### The self-test: verification without exec\n",
    );
    expect(anchors).toEqual(
      new Set(["a", "npm-run-e2e-the-real-pulumi-engine", "the-self-test-verification-without-exec"]),
    );
    expect(anchorsOf('| <a id="rule-x"></a>`x` |')).toEqual(new Set(["rule-x"]));
  });
});
