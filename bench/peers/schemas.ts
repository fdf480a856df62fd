/**
 * kubeconform's schemas from the PyPI package kubernetes-validate: its strict Kubernetes schemas
 * point into a shared `/api/_definitions.json`, which kubeconform cannot resolve from a local
 * folder. Each kind's schema is written standalone: the definitions it needs copied in under
 * `definitions`, and its `$ref`s pointed at them.
 */
import * as fs from "fs";
import * as path from "path";

const SCHEMA_VERSION = "v1.33.0-local-strict";
const REF = /^\/api\/_definitions\.json#\/\$defs\/(.+)$/;

type Json = unknown;

function rewrite(node: Json, needed: Set<string>): Json {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, needed));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) {
    const m = k === "$ref" && typeof v === "string" ? REF.exec(v) : null;
    if (m) {
      needed.add(m[1]);
      out[k] = `#/definitions/${m[1]}`;
    } else out[k] = rewrite(v, needed);
  }
  return out;
}

/** Reads `<unpacked>/kubernetes_validate/kubernetes-json-schema/<SCHEMA_VERSION>/`, writes `<out>/<kind>-<group>-<version>.json`. */
export function inlineSchemaRefs(unpacked: string, out: string): number {
  const from = path.join(unpacked, "kubernetes_validate", "kubernetes-json-schema", SCHEMA_VERSION);
  const defs = (
    JSON.parse(fs.readFileSync(path.join(from, "_definitions.json"), "utf8")) as { $defs: Record<string, Json> }
  ).$defs;
  fs.mkdirSync(out, { recursive: true });
  let written = 0;
  for (const name of fs.readdirSync(from)) {
    if (!name.endsWith(".json") || name.startsWith("_")) continue;
    const needed = new Set<string>();
    const schema = rewrite(JSON.parse(fs.readFileSync(path.join(from, name), "utf8")), needed) as Record<string, Json>;
    const definitions: Record<string, Json> = {};
    // Definitions refer to others: follow them until no new one appears.
    for (const queue = [...needed]; queue.length > 0;) {
      const def = queue.pop()!;
      if (def in definitions || !(def in defs)) continue;
      const more = new Set<string>();
      definitions[def] = rewrite(defs[def], more);
      for (const m of more) if (!(m in definitions)) queue.push(m);
    }
    fs.writeFileSync(path.join(out, name), JSON.stringify({ ...schema, definitions }));
    written++;
  }
  return written;
}
