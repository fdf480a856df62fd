/**
 * The engine harness itself (tools/pulumi-engine/pulumi.ts): it serves Node.js programs with the
 * Automation API's inline server, which waits forever on a program stalled after its error
 * (pulumi/pulumi#14980) where the real Node.js language host exits. The harness answers such a
 * run with the error, so `pulumi up` fails naming it instead of hanging.
 */
import * as fs from "fs";
import * as path from "path";
import { REPO, Workspace, createWorkspace, expectSuccess } from "../../testing/e2e/workspace";
import { STALLED_AFTER_ERROR_MS } from "../../tools/pulumi-engine/pulumi";

let ws: Workspace;
let project: string;

beforeAll(() => {
  ws = createWorkspace();
  const dir = path.join(REPO, "test", "e2e", "programs", "stalled-error");
  project = ws.project("stalled-error", {
    projectFile: path.join(dir, "Pulumi.yaml"),
    entry: path.join(dir, "index.ts"),
  });
});
afterAll(() => ws?.cleanup());

test("an apply's error that stalls the program ends `pulumi up` with that error, nothing created", async () => {
  const pulumi = (args: string[], timeoutMs?: number) => ws.pulumi(project, args, { timeoutMs });
  expectSuccess(await pulumi(["stack", "init", "dev"]), "stack init");
  const renderDir = path.join(ws.root, "rendered");
  expectSuccess(await pulumi(["config", "set", "--stack", "dev", "renderDir", renderDir]), "config set");
  const started = Date.now();
  const r = await pulumi(["up", "--stack", "dev", "--yes", "--skip-preview"], STALLED_AFTER_ERROR_MS + 120_000);
  const seconds = (Date.now() - started) / 1000;
  expect(r.code).not.toBe(0);
  expect(r.output).toContain("namespace refused-namespace is not accepted");
  // Ended by the harness after the stall, not by the timeout above (which kills with a signal).
  expect(seconds).toBeLessThan(STALLED_AFTER_ERROR_MS / 1000 + 90);
  const rendered = fs.existsSync(renderDir) ? fs.readdirSync(renderDir, { recursive: true }) : [];
  expect(rendered.filter((f) => String(f).endsWith(".yaml"))).toEqual([]);
});
