/**
 * The parts of the real Pulumi engine that `npm run pulumi` and `npm run e2e` use, and where each
 * comes from: pure functions over package-lock.json and the wrapper modules' go.mod files, so a
 * version bump changes the cache key and rebuilds, and a wrapper that disagrees with package-lock
 * is refused before anything is built.
 */
import * as crypto from "crypto";

/** Go module path of the CLI's main package. */
export const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
export const CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
export const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
export const KUBERNETES_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
/** The Pulumi YAML language host (its own release line; the wrapper tools/pulumi-engine/yaml pins it). */
export const YAML_MODULE = "github.com/pulumi/pulumi-yaml";
export const YAML_PACKAGE = "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml";
/** Modules we would build but the module proxy does not serve (checked 2026-11-26 with `go list -m -versions`). */
export const NOT_SERVED = [
  {
    binary: "pulumi-language-nodejs",
    module: "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
    instead:
      "program commands (up, preview, refresh, destroy) run the program in the `npm run pulumi` process through @pulumi/pulumi's Automation API language server (the inline-program path, `--client`)",
  },
  {
    binary: "pulumi-language-python",
    module: "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3",
    instead:
      "Python programs run through the Python SDK's inline-program language server (tools/pulumi-engine/python/inline.py, pip `pulumi` at the CLI's version in a cached venv); package SDKs come from pulumi-sdkgen",
  },
  {
    binary: "pulumi-language-go",
    module: "github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3",
    instead:
      "a Go program runs itself through the Go Automation API's inline path (examples/go-consumer); package SDKs come from pulumi-sdkgen",
  },
  {
    binary: "pulumi-resource-docker",
    module: "github.com/pulumi/pulumi-docker/provider/v4",
    instead: "stacks that set imageRepository (build mode) cannot be previewed or deployed with this engine",
  },
] as const;

/** One binary on the engine's PATH and where it came from. */
export interface EnginePart {
  binary: string;
  version: string;
  /** Go module (built) or npm package (launcher) it comes from. */
  origin: string;
  /** Cache folder name: changes when the version or the wrapper module changes. */
  cacheKey?: string;
  note?: string;
}

export interface PseudoVersion {
  base: string;
  /** Commit time, ISO 8601 UTC. */
  time: string;
  /** Abbreviated commit hash (12 hex digits). */
  commit: string;
}

/** Splits a Go pseudo-version (vX.Y.Z-yyyymmddhhmmss-abcdefabcdef); undefined for a tag. */
export function parsePseudoVersion(version: string): PseudoVersion | undefined {
  const m = /^v(\d+\.\d+\.\d+)-(?:0\.)?(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})-([0-9a-f]{12})$/.exec(version);
  if (!m) return undefined;
  const [, base, y, mo, d, h, mi, s, commit] = m;
  return { base, time: `${y}-${mo}-${d}T${h}:${mi}:${s}Z`, commit };
}

/** The version a go.mod requires of a module (direct or indirect), or undefined. */
export function requiredVersion(goMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  return m?.[1];
}

/** The version of an npm package in package-lock.json (lockfile v2/v3). */
export function lockedVersion(lock: { packages?: Record<string, { version?: string }> }, name: string): string {
  const v = lock.packages?.[`node_modules/${name}`]?.version;
  if (!v) throw new Error(`package-lock.json: ${name} is not locked; run npm install ${name} with an exact version`);
  return v;
}

export interface EngineSources {
  lock: { packages?: Record<string, { version?: string }> };
  /** go.mod and go.sum of tools/pulumi-engine/cli and tools/pulumi-engine/kubernetes (and its main.go). */
  cli: { goMod: string; goSum: string };
  kubernetes: { goMod: string; goSum: string; mainGo: string };
  /** go.mod and go.sum of tools/pulumi-engine/yaml. */
  yaml: { goMod: string; goSum: string };
  /** go.mod, go.sum and main.go of tools/pulumi-engine/sdkgen. */
  sdkgen: { goMod: string; goSum: string; mainGo: string };
  /** `go env GOVERSION`, part of the cache key. */
  goVersion: string;
}

function key(name: string, version: string, goVersion: string, files: string[]): string {
  const digest = crypto.createHash("sha256").update(files.join("\0")).update(goVersion).digest("hex").slice(0, 12);
  return `${name}-${version}-${digest}`;
}

/**
 * The engine's parts. Throws when the CLI wrapper does not require pkg/v3 and sdk/v3 at the
 * @pulumi/pulumi version in package-lock.json (the SDK and the engine must be one release).
 */
export function engineParts(src: EngineSources): EnginePart[] {
  const sdkVersion = lockedVersion(src.lock, "@pulumi/pulumi");
  const want = `v${sdkVersion}`;
  for (const [wrapper, goMod] of [
    ["cli", src.cli.goMod],
    ["sdkgen", src.sdkgen.goMod],
  ]) {
    for (const module of [CLI_MODULE, SDK_MODULE]) {
      const got = requiredVersion(goMod, module);
      if (got !== want) {
        throw new Error(
          `tools/pulumi-engine/${wrapper}/go.mod: ${module} ${got ?? "(not required)"} is not accepted; expected ${want}, the @pulumi/pulumi version in package-lock.json (then run go mod tidy there)`,
        );
      }
    }
  }
  const kubernetesVersion = requiredVersion(src.kubernetes.goMod, KUBERNETES_MODULE);
  if (!kubernetesVersion)
    throw new Error(`tools/pulumi-engine/kubernetes/go.mod: ${KUBERNETES_MODULE} is not required`);
  const pseudo = parsePseudoVersion(kubernetesVersion);
  const kubernetesSdk = lockedVersion(src.lock, "@pulumi/kubernetes");
  const policy = lockedVersion(src.lock, "@pulumi/policy");
  const yamlVersion = requiredVersion(src.yaml.goMod, YAML_MODULE);
  if (!yamlVersion) throw new Error(`tools/pulumi-engine/yaml/go.mod: ${YAML_MODULE} is not required`);
  return [
    {
      binary: "pulumi",
      version: want,
      origin: `${CLI_PACKAGE}@${want} (wrapper module tools/pulumi-engine/cli)`,
      cacheKey: key("pulumi", want, src.goVersion, [src.cli.goMod, src.cli.goSum]),
    },
    {
      binary: "pulumi-resource-kubernetes",
      // The plugin reports the version it is stamped with: the pseudo-version without its "v".
      version: kubernetesVersion.replace(/^v/, ""),
      origin: `${KUBERNETES_MODULE}@${kubernetesVersion}${pseudo ? ` (commit ${pseudo.commit} of ${pseudo.time})` : ""}`,
      cacheKey: key("kubernetes", kubernetesVersion, src.goVersion, [
        src.kubernetes.goMod,
        src.kubernetes.goSum,
        src.kubernetes.mainGo,
      ]),
      note:
        kubernetesVersion === `v${kubernetesSdk}`
          ? undefined
          : `@pulumi/kubernetes ${kubernetesSdk} asks for ${kubernetesSdk}; the proxy serves no provider/v4 commit of that release, so this is the nearest one it serves, used from PATH`,
    },
    {
      binary: "pulumi-language-yaml",
      version: yamlVersion,
      origin: `${YAML_PACKAGE}@${yamlVersion} (wrapper module tools/pulumi-engine/yaml)`,
      cacheKey: key("yaml", yamlVersion, src.goVersion, [src.yaml.goMod, src.yaml.goSum]),
    },
    {
      binary: "pulumi-sdkgen",
      version: want,
      origin: `tools/pulumi-engine/sdkgen on ${CLI_MODULE}@${want} codegen/python and codegen/go (what \`package gen-sdk\` runs inside the Python and Go language hosts)`,
      cacheKey: key("sdkgen", want, src.goVersion, [src.sdkgen.goMod, src.sdkgen.goSum, src.sdkgen.mainGo]),
    },
    {
      binary: "pulumi-resource-acs-ebpf",
      version: src.lock.packages?.[""]?.version ?? "0.0.0",
      origin: "launcher tools/pulumi-engine/plugins → provider/index.ts (the acs-ebpf component provider)",
    },
    {
      binary: "pulumi-resource-pulumi-nodejs",
      version: sdkVersion,
      origin: `launcher tools/pulumi-engine/plugins → @pulumi/pulumi@${sdkVersion} cmd/dynamic-provider`,
    },
    {
      binary: "pulumi-analyzer-policy",
      version: sdkVersion,
      origin: `launcher tools/pulumi-engine/plugins → @pulumi/pulumi@${sdkVersion} cmd/run-policy-pack (policy SDK @pulumi/policy@${policy})`,
    },
  ];
}

/** The `about` table: one line per part, then what is not built and what is used instead. */
export function describeEngine(parts: EnginePart[], paths: Record<string, string>): string {
  const width = Math.max(...parts.map((p) => p.binary.length), ...NOT_SERVED.map((n) => n.binary.length));
  const lines = ["acs-ebpf: the Pulumi engine on PATH (built from the Go module proxy, cached by version)"];
  for (const p of parts) {
    lines.push(`  ${p.binary.padEnd(width)}  ${p.version}  ${p.origin}`);
    if (paths[p.binary]) lines.push(`  ${"".padEnd(width)}  at ${paths[p.binary]}`);
    if (p.note) lines.push(`  ${"".padEnd(width)}  note: ${p.note}`);
  }
  for (const n of NOT_SERVED) {
    lines.push(`  ${n.binary.padEnd(width)}  not built: the module proxy does not serve ${n.module}; ${n.instead}`);
  }
  return lines.join("\n");
}
