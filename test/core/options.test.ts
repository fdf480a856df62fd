/**
 * Each probe option is defined once (core/options.ts): the config keys take their description and
 * default from it, and every component argument of the same name opens its doc comment with the
 * option's text (the component provider's schema, and so every language's SDK, shows that comment).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { CONFIG_KEYS } from "../../core/configKeys";
import { OPTIONS, OptionName, WORKLOAD_DEFAULTS, optionsNotFor } from "../../core/options";

const ROOT = path.join(__dirname, "..", "..");

/** Where the probe's options are declared for users: each Args interface that takes them. */
const ARGS_INTERFACES = [
  ["components/ebpfWorkload.ts", "EbpfWorkloadArgs"],
  ["components/ebpfWorkbench.ts", "EbpfWorkbenchArgs"],
  ["components/ebpfSidecarWorkload.ts", "EbpfSidecarWorkloadArgs"],
  ["core/sidecar.ts", "SidecarOptions"],
] as const;

/** Each member of an interface with its doc comment, whitespace collapsed. */
function documentedMembers(file: string, name: string): Map<string, string> {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(path.join(ROOT, file), "utf8"),
    ts.ScriptTarget.ES2022,
    true,
  );
  const members = new Map<string, string>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    for (const m of node.members) {
      const doc = ts
        .getJSDocCommentsAndTags(m)
        .map((d) => (typeof d.comment === "string" ? d.comment : ""))
        .join(" ");
      members.set(m.name!.getText(), doc.replace(/\s+/g, " ").trim());
    }
  });
  if (members.size === 0) throw new Error(`${file}: no interface ${name}`);
  return members;
}

describe("one definition of each option", () => {
  test.each(ARGS_INTERFACES)("%s %s: each option's doc comment opens with the option's definition", (file, name) => {
    const members = documentedMembers(file, name);
    const options = [...members.keys()].filter((m): m is OptionName => m in OPTIONS);
    expect(options.length).toBeGreaterThanOrEqual(4);
    const differing = options
      .filter((m) => !members.get(m)!.startsWith(OPTIONS[m].doc))
      .map((m) => `${m}: "${members.get(m)}" does not open with "${OPTIONS[m].doc}"`);
    expect(differing).toEqual([]);
  });

  test("config keys of the same name take the option's description, type and default", () => {
    const configType = { string: "string", boolean: "boolean", integer: "integer", array: "array", objects: "array" };
    for (const [name, option] of Object.entries(OPTIONS)) {
      const key = (CONFIG_KEYS as Record<string, { type: string; description: string; items?: string }>)[name];
      if (!key) continue;
      expect({ name, description: key.description, type: key.type, objects: key.items === "object" }).toEqual({
        name,
        description: option.doc,
        type: configType[option.type as keyof typeof configType],
        objects: option.type === "objects",
      });
      if (name in WORKLOAD_DEFAULTS && name !== "namespace")
        expect((CONFIG_KEYS as Record<string, { default?: unknown }>)[name].default).toEqual(
          (WORKLOAD_DEFAULTS as Record<string, unknown>)[name],
        );
    }
  });

  test("an enum-like option lists its accepted values in its doc", () => {
    for (const [name, option] of Object.entries(OPTIONS)) {
      if (!("values" in option)) continue;
      for (const v of option.values) expect(`${name}: ${option.doc}`).toContain(v);
    }
  });

  test("optionsNotFor names exactly the set options another placement uses", () => {
    expect(optionsNotFor("sidecar", { replicas: 2, cpu: "1", namespace: "x", tolerations: undefined })).toEqual([
      "namespace",
      "replicas",
    ]);
    expect(optionsNotFor("node", { tolerations: [], computeClass: "performance", selfTest: true })).toEqual([
      "computeClass",
    ]);
    expect(optionsNotFor("deployment", { tolerations: [] })).toEqual(["tolerations"]);
  });
});
