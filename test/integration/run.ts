/**
 * `npm run test:integration`: names each missing prerequisite (and exits 2) before anything runs,
 * then runs test/**\/*.integration.ts with jest (test/integration/jest.config.js).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { C_COMPILER, LINUX, ROOT_USER, SETPRIV, command, requirePrerequisites } from "../../testing/prerequisites";

requirePrerequisites("npm run test:integration", [
  LINUX,
  ROOT_USER,
  SETPRIV,
  C_COMPILER,
  command("bash", "apt-get install bash"),
  command("tail", "apt-get install coreutils"),
]);
const root = path.resolve(__dirname, "../..");
const jest = spawnSync(
  path.join(root, "node_modules", ".bin", "jest"),
  ["-c", "test/integration/jest.config.js", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
process.exit(jest.status ?? 1);
