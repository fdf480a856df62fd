/**
 * `npm run render [-- --stack NAME] [--out DIR]`: writes the Kubernetes objects that `pulumi up`
 * on that stack would apply, without a cluster or the Pulumi CLI, plus capabilities.md.
 * It reads Pulumi.yaml and Pulumi.<stack>.yaml and uses the same config parser and manifest
 * builders as the stack program.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { InputError, InputErrors } from "../core/errors";
import { buildWorkloadManifests, pullPolicyFor, pullSecretName } from "../core/manifests";
import { capabilityReport } from "../core/report";
import { ImageSource, PROJECT, StackConfig, parseStackConfig } from "../core/stackConfig";
import { PINNED } from "../images/ebpf-workbench/versions";

export interface RenderResult {
  config: StackConfig;
  /** The objects in apply order. */
  objects: object[];
  manifestsYaml: string;
  capabilitiesMarkdown: string;
  /** What render could not show as `pulumi up` would apply it, and why. */
  notes: string[];
}

/**
 * The image as render can show it: an existing reference as is; for a build, the tag it pushes
 * on the pull host (`pulumi up` deploys the digest of that push, unknown until it happens).
 */
export function renderedImage(image: ImageSource): string {
  if (image.mode === "existing") return image.ref;
  const { plan } = image;
  return plan.imageName.replace(`${plan.pushServer}/`, `${plan.pullServer}/`);
}

/** Loads a project or stack file; malformed YAML is one InputError naming the file, line and column. */
export function loadYamlFile(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  try {
    return yaml.load(text);
  } catch (e) {
    if (!(e instanceof yaml.YAMLException)) throw e;
    const line = e.mark ? e.mark.line + 1 : undefined;
    const where =
      line !== undefined && e.mark
        ? `${path.basename(file)} line ${line}, column ${e.mark.column + 1}`
        : path.basename(file);
    const offending = line !== undefined ? (text.split(/\r?\n/)[line - 1] ?? "") : text.slice(0, 80);
    throw new InputError(where, offending, "valid YAML (a mapping of config keys, each key once)", e.reason);
  }
}

/** Reads `Pulumi.<stack>.yaml` of the project in `projectDir` into the engine's flat config map. */
export function readStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  const project = loadYamlFile(path.join(projectDir, "Pulumi.yaml")) as { name?: string };
  if (project?.name !== PROJECT) {
    throw new InputError("Pulumi.yaml name", project?.name, JSON.stringify(PROJECT));
  }
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const stacks = fs
      .readdirSync(projectDir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => !!s);
    throw new InputError(
      "--stack",
      stack,
      `a stack with a Pulumi.<stack>.yaml file here, one of: ${stacks.join(", ") || "(none)"}`,
    );
  }
  const doc = (loadYamlFile(file) ?? {}) as { config?: Record<string, unknown> };
  const config = doc.config ?? {};
  // Stack files may name our keys without the project prefix, as Pulumi allows.
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v]));
}

export function renderStack(projectDir: string, stack: string): RenderResult {
  return renderConfig(readStackConfig(projectDir, stack));
}

/** Renders a flat config map (`{"acs-ebpf:kernel": …}`) as the stack program would apply it. */
export function renderConfig(values: Record<string, unknown>): RenderResult {
  const config = parseStackConfig(values, PINNED);
  const image = renderedImage(config.image);
  const objects = buildWorkloadManifests(
    config.workload,
    {
      image,
      // pulumi up deploys a build by digest; render shows the policy that digest gets.
      imagePullPolicy: config.image.mode === "build" ? "IfNotPresent" : pullPolicyFor(image),
      imagePullSecrets: config.pullCredentials ? [pullSecretName(config.workload)] : [],
    },
    config.pod,
  );
  const notes: string[] = [];
  if (config.image.mode === "build") {
    notes.push(
      `Image: pulumi up builds ${config.image.plan.imageName}, pushes it, and deploys it by digest (@sha256:…); render shows the tag.`,
    );
  }
  if (config.pullCredentials) {
    notes.push(
      `Secret ${config.workload.namespace}/${pullSecretName(config.workload)} (kubernetes.io/dockerconfigjson for ${config.pullCredentials.server}) is not rendered: its data is a secret.`,
    );
  }
  const manifestsYaml = objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join("---\n");
  return { config, objects, manifestsYaml, capabilitiesMarkdown: capabilityReport(config.workload), notes };
}

const USAGE = "usage: npm run render [-- --stack NAME] [--out DIR]   (defaults: --stack dev --out out)";

export function parseRenderArgs(argv: string[]): { stack: string; out: string } {
  const options = { stack: "dev", out: "out" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--stack" || flag === "--out") {
      const value = argv[++i];
      if (!value || value.startsWith("--"))
        throw new InputError(flag, value, flag === "--stack" ? "a stack name" : "a folder");
      options[flag === "--stack" ? "stack" : "out"] = value;
    } else {
      throw new InputError("argument", flag, "--stack NAME or --out DIR");
    }
  }
  return options;
}

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let result: RenderResult;
  let options: { stack: string; out: string };
  try {
    options = parseRenderArgs(argv);
    result = renderStack(process.cwd(), options.stack);
  } catch (e) {
    if (e instanceof InputError || e instanceof InputErrors) {
      console.error(`render: ${e.message}`);
      if (e instanceof InputError && e.input === "argument") console.error(USAGE);
      return 2;
    }
    throw e;
  }
  fs.mkdirSync(options.out, { recursive: true });
  const manifestsFile = path.join(options.out, "manifests.yaml");
  const capabilitiesFile = path.join(options.out, "capabilities.md");
  fs.writeFileSync(manifestsFile, result.manifestsYaml);
  fs.writeFileSync(capabilitiesFile, result.capabilitiesMarkdown);
  const { workload } = result.config;
  console.log(
    `Stack ${options.stack}: ${result.objects.length} objects → ${manifestsFile}; decisions → ${capabilitiesFile}`,
  );
  console.log(
    `Capabilities: drop ${workload.plan.drop.join(",") || "nothing"}, add ${workload.plan.add.map((g) => g.name).join(",")} (${workload.plan.profile})`,
  );
  console.log(
    workload.placement === "node"
      ? "Verification: skipped, render talks to no cluster (pulumi up waits for each node's self-test startupProbe)."
      : "Verification: skipped, render talks to no cluster (pulumi up runs the tcp_connect trace in the pod).",
  );
  for (const note of result.notes) console.log(`Note: ${note}`);
  for (const warning of [...result.config.warnings, ...workload.warnings]) console.error(`warning: ${warning}`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
