/**
 * `pulumi package add <repo>/provider` for a Python or Go project, with this engine (it has no
 * Python or Go language host to do it): the provider's schema from `pulumi package get-schema`
 * (the launcher on PATH), the SDK from pulumi-sdkgen into <project>/sdks/acs-ebpf, then
 * - Python: the SDK installed with pip into <project>/sdks/.site (./python/inline.py puts it on sys.path);
 * - Go: a go.mod for the SDK (the generator writes none); the project's go.mod replaces the module with it.
 *
 *   npx tsx tools/pulumi-engine/packageAdd.ts <python|go> <project folder>
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Engine, PLUGINS_DIR, ensureEngine, ensurePython } from "./build";
import { engineEnv } from "./pulumi";

export type SdkLanguage = "python" | "go";

function generateSdk(engine: Engine, projectDir: string, language: SdkLanguage, env: NodeJS.ProcessEnv): string {
  const sdk = path.join(projectDir, "sdks", "acs-ebpf");
  const schemaFile = path.join(projectDir, "sdks", "acs-ebpf.schema.json");
  fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
  const launcher = path.join(PLUGINS_DIR, "pulumi-resource-acs-ebpf");
  const schema = execFileSync(engine.paths.pulumi, ["package", "get-schema", launcher], {
    cwd: projectDir,
    env: engineEnv(env, engine.pathDirs),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  fs.writeFileSync(schemaFile, schema);
  fs.rmSync(sdk, { recursive: true, force: true });
  const out = language === "go" ? path.join(projectDir, "sdks", ".go") : sdk;
  execFileSync(engine.paths["pulumi-sdkgen"], [schemaFile, out, language], { stdio: "inherit" });
  if (language === "go") {
    // The Go generator writes the package in a folder named after it; the SDK is that folder.
    const pkgDir = fs.readdirSync(out, { withFileTypes: true }).find((d) => d.isDirectory());
    if (!pkgDir) throw new Error(`pulumi-sdkgen wrote no Go package folder into ${out}`);
    fs.renameSync(path.join(out, pkgDir.name), sdk);
    fs.rmSync(out, { recursive: true, force: true });
  }
  return sdk;
}

/** The import path the Go generator gave the package (its files import `<path>/internal`). */
export function goModulePath(sdkDir: string): string {
  for (const f of fs.readdirSync(sdkDir).filter((n) => n.endsWith(".go"))) {
    const m = /"([^"]+)\/internal"/.exec(fs.readFileSync(path.join(sdkDir, f), "utf8"));
    if (m) return m[1];
  }
  throw new Error(`${sdkDir}: no Go file imports the SDK's internal package`);
}

export function addPackage(language: SdkLanguage, projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const engine = ensureEngine();
  const sdk = generateSdk(engine, projectDir, language, env);
  if (language === "python") {
    const site = path.join(projectDir, "sdks", ".site");
    fs.rmSync(site, { recursive: true, force: true });
    // --no-deps: pulumi and parver are in the engine's venv; --no-build-isolation: its setuptools builds setup.py.
    execFileSync(
      ensurePython(engine),
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        site,
        sdk,
      ],
      { stdio: "inherit" },
    );
  } else {
    const sdkVersion = engine.parts.find((p) => p.binary === "pulumi")!.version;
    fs.writeFileSync(
      path.join(sdk, "go.mod"),
      `module ${goModulePath(sdk)}\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 ${sdkVersion}\n`,
    );
  }
  return sdk;
}

if (require.main === module) {
  const [language, dir] = process.argv.slice(2);
  if ((language !== "python" && language !== "go") || !dir) {
    console.error("usage: npx tsx tools/pulumi-engine/packageAdd.ts <python|go> <project folder>");
    process.exit(2);
  }
  console.log(`acs-ebpf: ${language} SDK in ${addPackage(language, path.resolve(dir))}`);
}
