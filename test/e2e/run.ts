/**
 * `npm run e2e`: builds the engine if the cache does not have it (reported with its time), then
 * runs the scenarios in test/e2e/*.e2e.ts with jest, one file at a time.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ensureEngine } from "../../tools/pulumi-engine/build";
import { describeEngine } from "../../tools/pulumi-engine/parts";
import { PYTHON_VENV, command, requirePrerequisites } from "../../testing/prerequisites";

requirePrerequisites("npm run e2e", [
  command("go", "install Go 1.25.11 or newer and put its bin/ on PATH (the engine is built from the Go module proxy)"),
  PYTHON_VENV,
]);
const started = Date.now();
const engine = ensureEngine();
console.log(describeEngine(engine.parts, engine.paths));
console.log(`engine ready in ${Math.round((Date.now() - started) / 1000)} s`);
const root = path.resolve(__dirname, "../..");
const jest = spawnSync(
  path.join(root, "node_modules", ".bin", "jest"),
  ["-c", "test/e2e/jest.config.js", "--runInBand", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
process.exit(jest.status ?? 1);
