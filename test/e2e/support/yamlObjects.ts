/**
 * Kubernetes objects from YAML, keyed by apiVersion/kind/namespace/name, and an object-for-object
 * comparison that names every missing, extra or different object and the paths that differ.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export type KubernetesObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
} & Record<string, unknown>;

export function objectKey(o: KubernetesObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
}

/** Objects of YAML documents (empty documents skipped); a key seen twice is an error naming the source. */
export function objectsFromYaml(sources: { name: string; text: string }[]): Map<string, KubernetesObject> {
  const objects = new Map<string, KubernetesObject>();
  for (const { name, text } of sources) {
    for (const doc of yaml.loadAll(text)) {
      if (doc === null || doc === undefined) continue;
      if (typeof doc !== "object" || Array.isArray(doc))
        throw new Error(`${name}: a YAML document is not a Kubernetes object: ${JSON.stringify(doc)}`);
      const o = doc as KubernetesObject;
      const key = objectKey(o);
      if (objects.has(key)) throw new Error(`${name}: ${key} appears twice`);
      objects.set(key, o);
    }
  }
  return objects;
}

/** Every .yaml/.yml file under `dir`, recursively, in name order. */
export function readYamlTree(dir: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) out.push({ name: path.relative(dir, p), text: fs.readFileSync(p, "utf8") });
    }
  };
  walk(dir);
  return out;
}

/** Paths (a.b[0].c) where two JSON-like values differ. */
export function differingPaths(a: unknown, b: unknown, at = ""): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const paths: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) paths.push(...differingPaths(a[i], b[i], `${at}[${i}]`));
    return paths;
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return Object.is(a, b) ? [] : [at || "(root)"];
}

export interface ObjectComparison {
  missing: string[];
  extra: string[];
  different: { key: string; paths: string[] }[];
}

/** Compares `actual` with `expected` object for object. */
export function compareObjects(
  expected: Map<string, KubernetesObject>,
  actual: Map<string, KubernetesObject>,
): ObjectComparison {
  const missing = [...expected.keys()].filter((k) => !actual.has(k)).sort();
  const extra = [...actual.keys()].filter((k) => !expected.has(k)).sort();
  const different = [...expected.keys()]
    .filter((k) => actual.has(k))
    .sort()
    .map((key) => ({ key, paths: differingPaths(expected.get(key), actual.get(key)) }))
    .filter((d) => d.paths.length > 0);
  return { missing, extra, different };
}
