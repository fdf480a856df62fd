/**
 * `npm run pulumi -- <args>`: the real Pulumi CLI (built by ./build.ts) with the Kubernetes provider
 * and the Node.js launcher plugins first on PATH; Pulumi picks plugins from PATH before its cache.
 *
 * The Node.js language host (`pulumi-language-nodejs`) is not served by the module proxy, so for
 * the commands that run the program (up, preview, refresh, destroy) this process serves the
 * program itself, the way the Automation API runs inline programs: @pulumi/pulumi's
 * LanguageServer on 127.0.0.1, and the CLI started with `--client <address>`. The program is the
 * project's `main` (Pulumi.yaml), loaded through tsx; every other command goes to the CLI as is.
 * `npm run pulumi -- about` first prints each engine part's version and origin.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { describeEngine } from "./parts";
import { REPO_ROOT, ensureEngine, ensurePython } from "./build";

/** Commands that run the program, and so need a language runtime. */
const PROGRAM_COMMANDS = new Set(["up", "update", "preview", "pre", "refresh", "destroy", "down"]);
/** Global flags that take a value (so the value is not mistaken for the command). */
const VALUE_FLAGS = new Set([
  "-C",
  "--cwd",
  "--color",
  "--profiling",
  "--tracing",
  "-v",
  "--verbose",
  "--logflow-limit",
]);

export interface Invocation {
  command?: string;
  projectDir: string;
}

/** The command (first positional argument) and the project folder (`-C/--cwd` or the working directory). */
export function parseInvocation(args: readonly string[], cwd: string): Invocation {
  let command: string | undefined;
  let projectDir = cwd;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.split(/=(.*)/s, 2);
    if (flag === "-C" || flag === "--cwd") projectDir = path.resolve(cwd, inline ?? args[i + 1] ?? ".");
    if (VALUE_FLAGS.has(flag) && inline === undefined) {
      i++;
      continue;
    }
    if (!a.startsWith("-") && command === undefined) command = a;
  }
  return { command, projectDir };
}

/** The project's runtime (Pulumi.yaml `runtime`: a name or `{ name, options }`). */
export function projectRuntime(projectDir: string): string {
  const project = (yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) ?? {}) as {
    runtime?: unknown;
  };
  const r = project.runtime;
  return typeof r === "string"
    ? r
    : typeof r === "object" && r !== null && typeof (r as { name?: unknown }).name === "string"
      ? (r as { name: string }).name
      : "nodejs";
}

/** The program's entry file: Pulumi.yaml's `main` (relative to the project, or absolute), default index.ts. */
export function programEntry(projectDir: string): string {
  const project = (yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) ?? {}) as {
    main?: unknown;
  };
  const main = typeof project.main === "string" && project.main !== "" ? project.main : "index.ts";
  return path.resolve(projectDir, main);
}

/**
 * How long a run that has logged an error may wait on before it is answered with that error. The
 * real Node.js language host runs the program in a process of its own, which exits once nothing is
 * left but promises that can never settle ("promises were still active"): for example when an
 * apply threw, its Output went into a resource, and that resource's outputs into another. The
 * Automation API's inline server, which serves the program here, awaits those promises forever
 * (pulumi/pulumi#14980), so `pulumi up` would hang where the real host ends it.
 */
export const STALLED_AFTER_ERROR_MS = 30_000;

/** A run being served: answered once, by the program's end or by its stall watcher. */
interface ServedRun {
  answered: boolean;
  answer(err: Error | null, resp?: unknown): void;
}

/**
 * The inline program: loads the entry afresh on every run (one `pulumi up` runs the program for
 * its preview and again for the update) and returns its exports as the stack outputs. A watcher
 * started inside the run (so it reads that run's log state) calls `onStalled` with that run once
 * it has logged an error and is still going STALLED_AFTER_ERROR_MS later.
 */
function inlineProgram(
  entry: string,
  currentRun: () => ServedRun,
  onStalled: (run: ServedRun) => void,
): () => Promise<Record<string, unknown>> {
  return async () => {
    for (const key of Object.keys(require.cache)) {
      if (!key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
    }
    const log = require("@pulumi/pulumi/log");
    const run = currentRun();
    let firstErrorAt: number | undefined;
    const watch = setInterval(() => {
      if (run.answered) return clearInterval(watch);
      if (!log.hasErrors()) return;
      firstErrorAt ??= Date.now();
      if (Date.now() - firstErrorAt >= STALLED_AFTER_ERROR_MS) {
        clearInterval(watch);
        onStalled(run);
      }
    }, 1000);
    watch.unref(); // a hung run's watcher never holds the process open
    return { ...require(entry) };
  };
}

async function serveProgram(entry: string): Promise<{ address: string; stop(hasError: boolean): void }> {
  const grpc = require("@grpc/grpc-js");
  const { LanguageServer } = require("@pulumi/pulumi/automation/server");
  const { LanguageRuntimeService } = require("@pulumi/pulumi/proto/language_grpc_pb");
  const { grpcChannelOptions } = require("@pulumi/pulumi/runtime/settings");
  const langproto = require("@pulumi/pulumi/proto/language_pb");
  const server = new grpc.Server({ ...grpcChannelOptions });
  let current: ServedRun | undefined;
  const languageServer = new LanguageServer(
    inlineProgram(
      entry,
      () => current!,
      (run) => {
        const resp = new langproto.RunResponse();
        resp.setError(
          "One or more errors occurred (the program stalled after its error, as the Node.js language host would exit)",
        );
        run.answer(null, resp);
      },
    ),
  );
  const serve = languageServer.run.bind(languageServer);
  languageServer.run = (call: unknown, callback: (err: Error | null, resp?: unknown) => void) => {
    const run: ServedRun = {
      answered: false,
      answer(err, resp) {
        if (run.answered) return;
        run.answered = true;
        callback(err, resp);
      },
    };
    current = run;
    return serve(call, run.answer);
  };
  server.addService(LanguageRuntimeService, languageServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop(hasError) {
      try {
        languageServer.onPulumiExit(hasError);
      } catch (err) {
        console.error((err as Error).message);
      }
      server.forceShutdown();
    },
  };
}

/** The environment the CLI runs with: the engine first on PATH, node_modules of this repository for the launchers. */
export function engineEnv(base: NodeJS.ProcessEnv, pathDirs: string[]): NodeJS.ProcessEnv {
  const nodePath = [path.join(REPO_ROOT, "node_modules"), base.NODE_PATH].filter(Boolean).join(path.delimiter);
  return {
    ...base,
    PATH: [...pathDirs, base.PATH].filter(Boolean).join(path.delimiter),
    NODE_PATH: nodePath,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Every plugin this project needs is on PATH; a missing one must fail, not reach for GitHub.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: base.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
}

async function main(args: string[]): Promise<number> {
  const engine = ensureEngine();
  const env = engineEnv(process.env, engine.pathDirs);
  const { command, projectDir } = parseInvocation(args, process.cwd());
  if (command === "about") console.log(describeEngine(engine.parts, engine.paths) + "\n");

  let served: Awaited<ReturnType<typeof serveProgram>> | undefined;
  let cliArgs = args;
  let executable = engine.paths.pulumi;
  // A python program: ./python/inline.py serves it and starts the CLI (no Python language host here).
  if (
    command &&
    PROGRAM_COMMANDS.has(command) &&
    !args.some((a) => a.startsWith("--client")) &&
    projectRuntime(projectDir) === "python"
  ) {
    executable = ensurePython(engine);
    cliArgs = [path.join(__dirname, "python", "inline.py"), engine.paths.pulumi, projectDir, ...args];
  }
  // A nodejs program is served here; yaml goes to the YAML language host on PATH (./build.ts).
  if (
    command &&
    PROGRAM_COMMANDS.has(command) &&
    !args.some((a) => a.startsWith("--client")) &&
    projectRuntime(projectDir) === "nodejs"
  ) {
    served = await serveProgram(programEntry(projectDir));
    cliArgs = [...args, `--client=${served.address}`, "--exec-kind", "auto.inline"];
  }
  const child = spawn(executable, cliArgs, { env, stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) =>
    child.on("close", (c, signal) => resolve(c ?? (signal ? 128 + 15 : 1))),
  );
  served?.stop(code !== 0);
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`acs-ebpf: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
