/**
 * The component provider's schema, inferred by @pulumi/pulumi's provider/experimental analyzer from
 * the component classes (provider/index.ts): printed, then checked against the classes themselves.
 * Every exposed component, argument and output must be in it, with a description.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { COMPONENTS, PACKAGE_NAME } from "../../provider";

const root = path.resolve(__dirname, "../..");
type Property = { description?: string; $ref?: string; type?: string };
type Resource = {
  description?: string;
  isComponent?: boolean;
  inputProperties: Record<string, Property>;
  properties: Record<string, Property>;
  requiredInputs?: string[];
};
type Schema = {
  name: string;
  version: string;
  resources: Record<string, Resource>;
  types: Record<string, { enum?: { value: string }[]; properties?: Record<string, Property> }>;
};

let schema: Schema;
beforeAll(async () => {
  // As both hosts start it (provider/index.ts): named by provider/package.json, versioned by it.
  const provider = new ComponentProvider({
    dirname: path.join(root, "provider"),
    name: PACKAGE_NAME,
    components: COMPONENTS,
  });
  const text = await provider.getSchema();
  schema = JSON.parse(text);
  console.log(JSON.stringify(schema, null, 2));
}, 60_000);

/** Public property names of an interface or class in a source file (the declarations the analyzer reads). */
function declaredMembers(file: string, name: string, kind: "interface" | "class"): string[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(path.join(root, file), "utf8"),
    ts.ScriptTarget.ES2022,
    true,
  );
  const names: string[] = [];
  source.forEachChild((node) => {
    if (kind === "interface" && ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const m of node.members) if (ts.isPropertySignature(m)) names.push(m.name.getText());
    }
    if (kind === "class" && ts.isClassDeclaration(node) && node.name?.text === name) {
      for (const m of node.members)
        if (ts.isPropertyDeclaration(m) && !ts.isPrivateIdentifier(m.name)) names.push(m.name.getText());
    }
  });
  return names.sort();
}

const EXPOSED = [
  { component: "EbpfWorkbench", file: "components/ebpfWorkbench.ts", args: "EbpfWorkbenchArgs" },
  { component: "EbpfSidecarWorkload", file: "components/ebpfSidecarWorkload.ts", args: "EbpfSidecarWorkloadArgs" },
];

test("the package: name, the library's version (provider/package.json repeats it: checked here), the exposed components and nothing else", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  expect(schema.name).toBe("acs-ebpf");
  expect(schema.version).toBe(pkg.version);
  expect(Object.keys(schema.resources).sort()).toEqual(EXPOSED.map((e) => `acs-ebpf:index:${e.component}`).sort());
});

describe.each(EXPOSED)("$component", ({ component, file, args }) => {
  const resource = () => schema.resources[`acs-ebpf:index:${component}`];

  test("is a component with a description", () => {
    expect(resource().isComponent).toBe(true);
    expect(resource().description).toMatch(/\w{3,}/);
  });

  test("every argument of the Args interface is an input, with its description", () => {
    const declared = declaredMembers(file, args, "interface");
    expect(declared.length).toBeGreaterThan(3);
    expect(Object.keys(resource().inputProperties).sort()).toEqual(declared);
    for (const [name, p] of Object.entries(resource().inputProperties))
      expect([name, p.description]).toEqual([name, expect.stringMatching(/\w{3,}/)]);
  });

  test("every public property of the class is an output, with its description", () => {
    const declared = declaredMembers(file, component, "class");
    expect(Object.keys(resource().properties).sort()).toEqual(declared);
    for (const [name, p] of Object.entries(resource().properties))
      expect([name, p.description]).toEqual([name, expect.stringMatching(/\w{3,}/)]);
  });
});

test("enums are string enums with the values the components accept", () => {
  const values = (t: string) => schema.types[`acs-ebpf:index:${t}`].enum!.map((m) => m.value);
  expect(values("Placement")).toEqual(["deployment", "sidecar", "node"]);
  expect(values("ProbeKind")).toContain("kprobe-tracefs");
  expect(values("ComputeClass")).toEqual(["general-purpose", "performance", "gpu", "gpu-hpn"]);
  expect(schema.resources["acs-ebpf:index:EbpfWorkbench"].inputProperties.placement.$ref).toBe(
    "#/types/acs-ebpf:index:Placement",
  );
  // Resources and functions stay TypeScript-only (getters), never in the schema.
  expect(Object.keys(schema.resources["acs-ebpf:index:EbpfWorkbench"].properties)).not.toContain("sidecarTransform");
  expect(schema.resources["acs-ebpf:index:EbpfSidecarWorkload"].requiredInputs?.sort()).toEqual([
    "image",
    "kubernetesVersion",
    "workload",
  ]);
});

test("the node placement's tolerations reach other languages as a list of Toleration objects, each field described, enums as Kubernetes spells them", () => {
  const tolerations = schema.resources["acs-ebpf:index:EbpfWorkbench"].inputProperties.tolerations as Property & {
    items?: Property;
  };
  expect(tolerations.type).toBe("array");
  expect(tolerations.items?.$ref).toBe("#/types/acs-ebpf:index:Toleration");
  const toleration = schema.types["acs-ebpf:index:Toleration"].properties!;
  expect(Object.keys(toleration).sort()).toEqual(["effect", "key", "operator", "tolerationSeconds", "value"]);
  for (const [name, p] of Object.entries(toleration))
    expect([name, p.description]).toEqual([name, expect.stringMatching(/\w{3,}/)]);
  expect(toleration.operator.$ref).toBe("#/types/acs-ebpf:index:TolerationOperator");
  expect(toleration.tolerationSeconds.type).toBe("number");
  const values = (t: string) => schema.types[`acs-ebpf:index:${t}`].enum!.map((m) => m.value);
  expect(values("TolerationOperator")).toEqual(["Exists", "Equal"]);
  expect(values("TaintEffect").sort()).toEqual(["", "NoExecute", "NoSchedule", "PreferNoSchedule"]);
});
