/** The engine's parts and the `npm run pulumi` argument handling (pure; no build, no CLI). */
import * as fs from "fs";
import * as path from "path";
import {
  describeEngine,
  engineParts,
  lockedVersion,
  parsePseudoVersion,
  requiredVersion,
} from "../../tools/pulumi-engine/parts";
import * as os from "os";
import { engineEnv, parseInvocation, programEntry } from "../../tools/pulumi-engine/pulumi";

const root = path.resolve(__dirname, "../..");
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");
const sources = () => ({
  lock: JSON.parse(read("package-lock.json")),
  cli: { goMod: read("tools/pulumi-engine/cli/go.mod"), goSum: read("tools/pulumi-engine/cli/go.sum") },
  kubernetes: {
    goMod: read("tools/pulumi-engine/kubernetes/go.mod"),
    goSum: read("tools/pulumi-engine/kubernetes/go.sum"),
    mainGo: read("tools/pulumi-engine/kubernetes/main.go"),
  },
  yaml: { goMod: read("tools/pulumi-engine/yaml/go.mod"), goSum: read("tools/pulumi-engine/yaml/go.sum") },
  sdkgen: {
    goMod: read("tools/pulumi-engine/sdkgen/go.mod"),
    goSum: read("tools/pulumi-engine/sdkgen/go.sum"),
    mainGo: read("tools/pulumi-engine/sdkgen/main.go"),
  },
  goVersion: "go1.26.8",
});

describe("engine parts", () => {
  test("the CLI wrapper builds the @pulumi/pulumi release in package-lock.json, and the cache key follows the version", () => {
    const src = sources();
    const parts = engineParts(src);
    const sdk = lockedVersion(src.lock, "@pulumi/pulumi");
    expect(parts.map((p) => p.binary)).toEqual([
      "pulumi",
      "pulumi-resource-kubernetes",
      "pulumi-language-yaml",
      "pulumi-sdkgen",
      "pulumi-resource-acs-ebpf",
      "pulumi-resource-pulumi-nodejs",
      "pulumi-analyzer-policy",
    ]);
    expect(parts[0].version).toBe(`v${sdk}`);
    expect(parts[0].cacheKey).toMatch(new RegExp(`^pulumi-v${sdk.replace(/\./g, "\\.")}-[0-9a-f]{12}$`));
    const otherGo = engineParts({ ...src, goVersion: "go1.27.0" });
    expect(otherGo[0].cacheKey).not.toBe(parts[0].cacheKey);
    const otherMain = engineParts({ ...src, kubernetes: { ...src.kubernetes, mainGo: "package main // changed" } });
    expect(otherMain[1].cacheKey).not.toBe(parts[1].cacheKey);
    expect(otherMain[0].cacheKey).toBe(parts[0].cacheKey);
    const yamlHost = parts.find((p) => p.binary === "pulumi-language-yaml")!;
    expect(yamlHost.origin).toMatch(/^github\.com\/pulumi\/pulumi-yaml\/cmd\/pulumi-language-yaml@v1\.\d+\.\d+ /);
    const otherYaml = engineParts({ ...src, yaml: { ...src.yaml, goSum: "changed" } });
    expect(otherYaml.find((p) => p.binary === "pulumi-language-yaml")!.cacheKey).not.toBe(yamlHost.cacheKey);
  });

  test("a wrapper at another version than package-lock is refused, naming both", () => {
    const python = sources();
    python.sdkgen.goMod = python.sdkgen.goMod.replace(/(github\.com\/pulumi\/pulumi\/pkg\/v3) v\S+/, "$1 v3.200.0");
    expect(() => engineParts(python)).toThrow(
      /sdkgen\/go\.mod: github\.com\/pulumi\/pulumi\/pkg\/v3 v3\.200\.0 is not accepted/,
    );
    const src = sources();
    src.cli.goMod = src.cli.goMod.replace(/(github\.com\/pulumi\/pulumi\/pkg\/v3) v\S+/, "$1 v3.200.0");
    expect(() => engineParts(src)).toThrow(
      /cli\/go\.mod: github\.com\/pulumi\/pulumi\/pkg\/v3 v3\.200\.0 is not accepted; expected v3\.\d+\.\d+, the @pulumi\/pulumi version in package-lock\.json/,
    );
  });

  test("the Kubernetes provider says which commit it is and that it is not the SDK's release", () => {
    const parts = engineParts(sources());
    const k8s = parts[1];
    expect(k8s.origin).toMatch(
      /^github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4@v4\.0\.0-\d{14}-[0-9a-f]{12} \(commit [0-9a-f]{12} of \d{4}-\d\d-\d\dT/,
    );
    expect(k8s.note).toMatch(/@pulumi\/kubernetes \d+\.\d+\.\d+ asks for/);
    const text = describeEngine(parts, { pulumi: "/cache/pulumi" });
    expect(text).toContain("at /cache/pulumi");
    expect(text).toMatch(/pulumi-language-nodejs\s+not built: the module proxy does not serve/);
    expect(text).toMatch(/pulumi-resource-docker\s+not built/);
  });

  test("go.mod and pseudo-version parsing", () => {
    expect(parsePseudoVersion("v4.0.0-20260115033456-f47bc2d6f199")).toEqual({
      base: "4.0.0",
      time: "2026-01-15T03:34:56Z",
      commit: "f47bc2d6f199",
    });
    expect(parsePseudoVersion("v3.248.0")).toBeUndefined();
    expect(requiredVersion("require (\n\tgithub.com/a/b v1.2.3 // indirect\n)\n", "github.com/a/b")).toBe("v1.2.3");
    expect(requiredVersion("require github.com/a/b/v4 v4.0.1\n", "github.com/a/b/v4")).toBe("v4.0.1");
    expect(requiredVersion("require github.com/a/bc v4.0.1\n", "github.com/a/b")).toBeUndefined();
    expect(() => lockedVersion({ packages: {} }, "@pulumi/pulumi")).toThrow(
      "package-lock.json: @pulumi/pulumi is not locked",
    );
  });
});

describe("npm run pulumi arguments", () => {
  test("the command is the first positional argument; flag values are skipped; -C/--cwd moves the project", () => {
    expect(parseInvocation(["up", "--stack", "dev"], "/p")).toEqual({ command: "up", projectDir: "/p" });
    expect(parseInvocation(["--color", "never", "-C", "sub", "preview"], "/p")).toEqual({
      command: "preview",
      projectDir: "/p/sub",
    });
    expect(parseInvocation(["--cwd=/q", "-v=9", "destroy"], "/p")).toEqual({ command: "destroy", projectDir: "/q" });
    expect(parseInvocation(["--help"], "/p")).toEqual({ command: undefined, projectDir: "/p" });
  });
});

describe("npm run pulumi environment and program", () => {
  test("the engine's folders come first on PATH; plugin downloads are off unless the user says otherwise", () => {
    const env = engineEnv({ PATH: "/usr/bin", NODE_PATH: "/x" }, ["/cache/cli/bin", "/repo/plugins"]);
    expect(env.PATH).toBe("/cache/cli/bin:/repo/plugins:/usr/bin");
    expect(env.NODE_PATH).toBe(`${path.join(root, "node_modules")}:/x`);
    expect(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
    expect(
      engineEnv({ PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false" }, [])
        .PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION,
    ).toBe("false");
  });

  test("the program is Pulumi.yaml's main, relative to the project (default index.ts)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-entry-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: src/main.ts\n");
      expect(programEntry(dir)).toBe(path.join(dir, "src", "main.ts"));
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
      expect(programEntry(dir)).toBe(path.join(dir, "index.ts"));
      expect(programEntry(root)).toBe(path.join(root, "index.ts"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
