/**
 * `pulumi package add <repo>/provider` for a Python project, with this engine (it has no Python
 * language host to do it): the provider's schema from `pulumi package get-schema` (the launcher on
 * PATH), the SDK from pulumi-python-sdkgen into <project>/sdks/acs-ebpf, and the SDK installed
 * with pip into <project>/sdks/.site, which ./python/inline.py puts on sys.path.
 *
 *   npx tsx tools/pulumi-engine/pythonPackage.ts <python project folder>
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PLUGINS_DIR, ensureEngine, ensurePython } from "./build";
import { engineEnv } from "./pulumi";

export const PYTHON_SITE = path.join("sdks", ".site");

export function addPythonPackage(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const engine = ensureEngine();
  const python = ensurePython(engine);
  const sdk = path.join(projectDir, "sdks", "acs-ebpf");
  const site = path.join(projectDir, PYTHON_SITE);
  const schemaFile = path.join(projectDir, "sdks", "acs-ebpf.schema.json");
  fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
  const schema = execFileSync(engine.paths.pulumi, ["package", "get-schema", path.join(PLUGINS_DIR, "pulumi-resource-acs-ebpf")], { cwd: projectDir, env: engineEnv(env, engine.pathDirs), encoding: "utf8", maxBuffer: 64 << 20 });
  fs.writeFileSync(schemaFile, schema);
  fs.rmSync(sdk, { recursive: true, force: true });
  execFileSync(engine.paths["pulumi-python-sdkgen"], [schemaFile, sdk], { stdio: "inherit" });
  fs.rmSync(site, { recursive: true, force: true });
  // --no-deps: pulumi and parver are in the engine's venv; --no-build-isolation: its setuptools builds setup.py.
  execFileSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--target", site, sdk], { stdio: "inherit" });
  return sdk;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: npx tsx tools/pulumi-engine/pythonPackage.ts <python project folder>");
    process.exit(2);
  }
  console.log(`acs-ebpf: Python SDK in ${addPythonPackage(path.resolve(dir))}`);
}
