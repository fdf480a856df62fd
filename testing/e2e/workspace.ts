/**
 * A throwaway Pulumi workspace for the real-engine suite: a file backend and PULUMI_HOME in a
 * temporary folder, the passphrase secrets provider, no KUBECONFIG (@pulumi/kubernetes' Provider
 * would pass it along, and the Kubernetes provider refuses a kubeconfig next to
 * renderYamlToDirectory), and projects
 * whose `main` re-exports a program of this repository (the engine starts plugins in the main
 * file's folder, so relative paths such as renderYamlToDirectory land in the temporary project).
 * Every CLI call goes through
 * `npm run pulumi`'s entry (tools/pulumi-engine/pulumi.ts), as a user's would.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

export const REPO = path.resolve(__dirname, "../..");
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");
const RUNNER = path.join(REPO, "tools", "pulumi-engine", "pulumi.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages that may land on either. */
  output: string;
}

export interface Workspace {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Every CLI call's output so far (for the secret scan); arguments are left out. */
  transcript: string[];
  /** A project folder: `projectFile`, a `main` that re-exports `entry`, and stack files copied as they are. */
  project(name: string, options: { projectFile: string; entry: string; stackFiles?: string[] }): string;
  pulumi(cwd: string, args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
  cleanup(): void;
}

export const PASSPHRASE = "acs-ebpf e2e passphrase";

export function createWorkspace(): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-e2e-"));
  const state = path.join(root, "state");
  const home = path.join(root, "pulumi-home");
  fs.mkdirSync(state);
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ACS_EBPF_CACHE: process.env.ACS_EBPF_CACHE,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const transcript: string[] = [];

  return {
    root,
    env,
    transcript,
    project(name, { projectFile, entry, stackFiles = [] }) {
      const dir = path.join(root, name);
      fs.mkdirSync(dir, { recursive: true });
      const project = yaml.load(fs.readFileSync(projectFile, "utf8")) as { main?: string };
      fs.copyFileSync(projectFile, path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(
        path.join(dir, project.main ?? "index.ts"),
        `module.exports = require(${JSON.stringify(entry)});\n`,
      );
      for (const f of stackFiles) fs.copyFileSync(f, path.join(dir, path.basename(f)));
      return dir;
    },
    pulumi(cwd, args, options = {}) {
      return new Promise<CliResult>((resolve, reject) => {
        const child = spawn(TSX, [RUNNER, ...args], {
          cwd,
          env: { ...env, ...options.env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 300_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          // The command only: arguments may carry the secrets a test plants.
          transcript.push(`$ pulumi ${args[0]}\n${stdout}\n${stderr}`);
          resolve({ code: code ?? 1, stdout, stderr, output: `${stdout}\n${stderr}` });
        });
      });
    },
    cleanup() {
      // ACS_EBPF_E2E_KEEP=1 keeps the folder (state, event logs, rendered YAML) to look into a failure.
      if (process.env.ACS_EBPF_E2E_KEEP) console.log(`kept ${root}`);
      else fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Fails with the CLI's output when it did not exit 0. */
export function expectSuccess(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.output.slice(-6000)}`);
  return r;
}

/** Fails with the CLI's output when it exited 0. */
export function expectFailure(r: CliResult, what: string): CliResult {
  if (r.code === 0) throw new Error(`${what} exited 0, expected a failure:\n${r.output.slice(-6000)}`);
  return r;
}
