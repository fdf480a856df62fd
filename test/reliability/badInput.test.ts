/**
 * Every config key and every component argument, fed wrong types, empty values, out-of-range
 * numbers, unknown enum values, shell metacharacters and oversized values: each fails before any
 * resource is registered, with an error naming the key and what is accepted.
 *
 * Config keys go through parseStackConfig, which index.ts runs before its first resource
 * (test/stack/program.test.ts); components are constructed under Pulumi mocks. A new component
 * is a new entry in SUBJECTS.
 */
import * as path from "path";
import * as ts from "typescript";
import { installMocks, mockOutputs, registered } from "../support/pulumiMocks";
installMocks();
// Should a bad value slip through, its image "builds" instead of crashing the run.
mockOutputs["docker:index/image:Image"] = (inputs) => ({
  repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${"b".repeat(64)}`,
});

import { EbpfSidecarWorkload } from "../../components/ebpfSidecarWorkload";
import { EbpfWorkbench } from "../../components/ebpfWorkbench";
import { EbpfWorkload } from "../../components/ebpfWorkload";
import { ImagePullSecret } from "../../components/imagePullSecret";
import { TcpConnectVerification } from "../../components/tcpConnectVerification";
import { WorkbenchImage } from "../../components/workbenchImage";
import { COMPUTE_CLASSES, COMPUTE_QOS } from "../../core/acs";
import { CAPABILITY_PROFILES, PROBE_KIND_NAMES, SECCOMP_PROFILES } from "../../core/capabilities";
import { InputError, InputErrors } from "../../core/errors";
import { OPTIONS, OptionName } from "../../core/options";
import { ARCHITECTURES } from "../../core/kernel";
import { TOLERATION_OPERATORS } from "../../core/tolerations";
import { CONFIG_KEYS, ConfigType, parseStackConfig, qualified } from "../../core/stackConfig";
import { PINNED } from "../../images/ebpf-workbench/versions";

jest.spyOn(console, "warn").mockImplementation(() => undefined);

export type BadKind =
  "wrong type" | "empty" | "out of range" | "unknown enum value" | "shell metacharacters" | "oversized";

export interface ArgSpec {
  type: ConfigType | "number" | "object";
  /** Accepted values, for enum-like keys. */
  values?: readonly string[];
  /** Values beyond the accepted range (numbers, or quantities written as strings). */
  outOfRange?: unknown[];
  /** The key accepts any characters by design (say why). */
  anyCharacters?: string;
  /** An empty list is a valid value (say why): no "empty" row. */
  emptyAccepted?: string;
  /** A list of mappings: builds the element that carries a bad string (default: the string itself). */
  element?: (bad: string, kind: BadKind) => unknown;
}

export interface Subject {
  name: string;
  args: Record<string, ArgSpec>;
  /** Builds the thing with one argument replaced; throws on bad input. */
  attempt(key: string, value: unknown): void;
  /** The input name the error must carry. */
  inputName(key: string): string;
}

const DIGEST_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"a".repeat(64)}`;
const SHELL = ["x; rm -rf /", "$(id)", "`id`", "a|b && c", "a\nb"];
const OVERSIZED = "a".repeat(100_000);

/** Tolerations: a list of mappings; the bad string goes into the key, or the operator for the enum row. */
const TOLERATIONS: ArgSpec = {
  type: "array",
  values: TOLERATION_OPERATORS,
  emptyAccepted: "no tolerations is the default: the DaemonSet runs on untainted nodes only",
  element: (bad, kind) =>
    kind === "unknown enum value" ? { key: "dedicated", operator: bad } : { key: bad, operator: "Exists" },
};

export function badValues(spec: ArgSpec): [BadKind, unknown][] {
  const cases: [BadKind, unknown][] = [];
  const wrong: Record<ArgSpec["type"], unknown[]> = {
    string: [true, ["x"], { a: 1 }],
    boolean: ["maybe", 1],
    integer: ["two", 1.5, true],
    number: ["two", true, Number.NaN],
    array: ["fentry", [1], { a: 1 }],
    object: ["x", 42, ["x"]],
  };
  for (const v of wrong[spec.type]) cases.push(["wrong type", v]);
  if (!spec.emptyAccepted) cases.push(["empty", spec.type === "array" ? [] : spec.type === "object" ? {} : ""]);
  for (const v of spec.outOfRange ?? []) cases.push(["out of range", v]);
  const listed = (bad: string, kind: BadKind) =>
    spec.type === "array" ? [spec.element ? spec.element(bad, kind) : bad] : bad;
  if (spec.values) cases.push(["unknown enum value", listed("not-a-value", "unknown enum value")]);
  if (!spec.anyCharacters && (spec.type === "string" || spec.type === "array")) {
    for (const s of SHELL) cases.push(["shell metacharacters", listed(s, "shell metacharacters")]);
  }
  if (!spec.anyCharacters && (spec.type === "string" || spec.type === "array"))
    cases.push(["oversized", listed(OVERSIZED, "oversized")]);
  return cases;
}

function configSpec(key: keyof typeof CONFIG_KEYS): ArgSpec {
  const type = CONFIG_KEYS[key].type;
  const specs: Partial<Record<keyof typeof CONFIG_KEYS, Partial<ArgSpec>>> = {
    computeClass: { values: COMPUTE_CLASSES },
    computeQos: { values: COMPUTE_QOS },
    architecture: { values: ARCHITECTURES },
    capabilityProfile: { values: CAPABILITY_PROFILES },
    seccompProfile: { values: SECCOMP_PROFILES },
    probeKinds: { values: PROBE_KIND_NAMES },
    replicas: { outOfRange: [-1, 101] },
    rolloutTimeoutSeconds: { outOfRange: [29, 3601, 90.5] },
    verifyReadyTimeoutSeconds: { outOfRange: [0, 3601] },
    verifyAttachTimeoutSeconds: { outOfRange: [0, 3601] },
    verifyEventTimeoutSeconds: { outOfRange: [0, 3601] },
    cpu: { outOfRange: ["0", "17"] },
    memory: { outOfRange: ["0", "1Ti"] },
    kernel: { outOfRange: ["4.19.91"] },
    verifyTarget: { outOfRange: ["127.0.0.1:0", "127.0.0.1:65536"] },
    registryPassword: {
      anyCharacters:
        "a password may hold any character; it only travels base64-encoded in a Secret or to the registry API",
    },
    placement: { values: ["deployment", "node"] },
    tolerations: TOLERATIONS,
  };
  return { type, ...specs[key] };
}

const BUILD_CONFIG = {
  "acs-ebpf:imageRepository": "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
  "acs-ebpf:registryServer": "registry.cn-hangzhou.aliyuncs.com",
  "acs-ebpf:registryUsername": "dev@1234567890",
  "acs-ebpf:registryPassword": "secret",
};
const BUILD_KEYS = [
  "imageRepository",
  "registryServer",
  "registryUsername",
  "registryPassword",
  "pullRegistryServer",
  "goDownloadBaseUrl",
  "goproxy",
  "ciliumEbpfGitUrl",
  "yumUpdate",
  "imageCacheFrom",
];

const stackConfig: Subject = {
  name: "stack config",
  args: Object.fromEntries(Object.keys(CONFIG_KEYS).map((k) => [k, configSpec(k as keyof typeof CONFIG_KEYS)])),
  attempt(key, value) {
    const base: Record<string, unknown> = BUILD_KEYS.includes(key)
      ? { ...BUILD_CONFIG }
      : { "acs-ebpf:image": DIGEST_IMAGE };
    // Tolerations are checked with the placement they belong to.
    if (key === "tolerations") base["acs-ebpf:placement"] = "node";
    parseStackConfig({ ...base, [qualified(key)]: value }, PINNED);
  },
  inputName: qualified,
};

/** Values beyond an option's accepted range (the option's type and values come from core/options.ts). */
const OUT_OF_RANGE: Partial<Record<OptionName, unknown[]>> = {
  replicas: [-1, 101],
  rolloutTimeoutSeconds: [29, 3601, 90.5],
  cpu: ["0", "17"],
  memory: ["0", "1Ti"],
  kernel: ["4.19.91"],
};

/** The bad values of a probe option, from its one definition. */
function optionSpec(name: OptionName): ArgSpec {
  const option: { type: string; values?: readonly string[] } = OPTIONS[name];
  if (option.type === "objects") return TOLERATIONS;
  return { type: option.type as ArgSpec["type"], values: option.values, outOfRange: OUT_OF_RANGE[name] };
}
const optionSpecs = (...names: OptionName[]) => Object.fromEntries(names.map((n) => [n, optionSpec(n)]));

const ebpfWorkload: Subject = {
  name: "EbpfWorkload",
  args: {
    image: { type: "string" },
    workloadName: { type: "string" },
    // Every probe option (core/options.ts): the workload and the workbench take them all.
    ...optionSpecs(...(Object.keys(OPTIONS) as OptionName[])),
    placement: { type: "string", values: ["deployment", "node"] },
    acs: { type: "boolean" },
    imagePullSecrets: { type: "array" },
    registryCredentials: { type: "object" },
  },
  attempt(key, value) {
    new EbpfWorkload("bad", {
      image: DIGEST_IMAGE,
      namespace: "ebpf",
      ...(key === "tolerations" ? { placement: "node" } : {}),
      [key]: value,
    } as never);
  },
  inputName: (key) => key,
};

const workbenchImage: Subject = {
  name: "WorkbenchImage",
  args: {
    existingImage: { type: "string" },
    repository: { type: "string" },
    registry: { type: "object" },
    pullRegistryServer: { type: "string" },
    tag: { type: "string" },
    architecture: { type: "string", values: ARCHITECTURES },
    mirrors: { type: "object" },
    cacheFrom: { type: "array" },
    yumUpdate: { type: "boolean" },
  },
  attempt(key, value) {
    const build = {
      repository: "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
      registry: { server: "registry.cn-hangzhou.aliyuncs.com", username: "dev@1234567890", password: "secret" },
    };
    new WorkbenchImage(
      "bad",
      (key === "existingImage" ? { existingImage: value } : { ...build, [key]: value }) as never,
    );
  },
  inputName: (key) => key,
};

const tcpConnectVerification: Subject = {
  name: "TcpConnectVerification",
  args: {
    namespace: { type: "string" },
    deployment: { type: "string" },
    kubeconfig: {
      type: "string",
      anyCharacters: "kubeconfig content is YAML: any character may appear; it is parsed, never run",
    },
    skipReason: { type: "string", anyCharacters: "free text shown as a warning" },
    context: { type: "string" },
    image: { type: "string" },
    podTemplate: { type: "object" },
    selector: { type: "object" },
    container: { type: "string" },
    target: { type: "string", outOfRange: ["127.0.0.1:0", "127.0.0.1:65536"] },
    probeKinds: { type: "array", values: PROBE_KIND_NAMES },
    minimizeCapabilities: { type: "boolean" },
    readyTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
    attachTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
    eventTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
    tracerPath: { type: "string" },
  },
  attempt(key, value) {
    const base = {
      namespace: "ebpf",
      deployment: "wb",
      image: DIGEST_IMAGE,
      podTemplate: { spec: {} },
      kubeconfig: "apiVersion: v1",
    };
    new TcpConnectVerification("bad", { ...base, [key]: value } as never);
  },
  inputName: (key) => key,
};

/** Arguments that belong to one placement are tried with it. */
const WORKBENCH_PLACEMENT_OF: Record<string, string> = {
  tolerations: "node",
  kubernetesVersion: "sidecar",
  applyToStack: "sidecar",
};

const ebpfWorkbench: Subject = {
  name: "EbpfWorkbench",
  args: {
    // Every probe option (core/options.ts): the workload and the workbench take them all.
    ...optionSpecs(...(Object.keys(OPTIONS) as OptionName[])),
    placement: { type: "string", values: ["deployment", "sidecar", "node"] },
    image: { type: "string" },
    build: { type: "object" },
    workloadName: { type: "string" },
    kubernetesVersion: { type: "string" },
    acs: { type: "boolean" },
    applyToStack: { type: "boolean" },
    allowImageTag: { type: "boolean" },
    imagePullSecrets: { type: "array" },
    registryCredentials: { type: "object" },
    kubeconfig: {
      type: "string",
      anyCharacters: "kubeconfig content is YAML: any character may appear; it is parsed, never run",
    },
    kubeconfigContext: {
      type: "string",
      anyCharacters: "a context is looked up by name in the kubeconfig, never run; kubeconfig names are free text",
    },
    verifyTarget: { type: "string", outOfRange: ["127.0.0.1:0", "127.0.0.1:65536"] },
    verifySkipReason: { type: "string", anyCharacters: "free text shown as a warning" },
    verifyReadyTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
    verifyAttachTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
    verifyEventTimeoutSeconds: { type: "number", outOfRange: [0, 3601] },
  },
  attempt(key, value) {
    const placement = WORKBENCH_PLACEMENT_OF[key];
    new EbpfWorkbench("bad", {
      image: DIGEST_IMAGE,
      ...(placement ? { placement } : {}),
      ...(placement === "sidecar" ? { kubernetesVersion: "1.31" } : {}),
      ...(key === "build" ? { image: undefined } : {}),
      [key]: value,
    } as never);
  },
  inputName: (key) => key,
};

const APPLICATION = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "app", labels: { "acs-ebpf.io/ebpf-sidecar": "enabled" } },
  spec: {
    selector: { matchLabels: { app: "app" } },
    template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } },
  },
};

const ebpfSidecarWorkload: Subject = {
  name: "EbpfSidecarWorkload",
  args: {
    workload: { type: "object" },
    image: { type: "string" },
    kubernetesVersion: { type: "string" },
    containerName: { type: "string" },
    ...optionSpecs("mode", "selfTest", "cpu", "memory", "probeKinds", "kernel", "architecture", "seccompProfile"),
  },
  attempt(key, value) {
    new EbpfSidecarWorkload("bad", {
      workload: APPLICATION,
      image: DIGEST_IMAGE,
      kubernetesVersion: "1.31",
      [key]: value,
    } as never);
  },
  inputName: (key) => key,
};

const imagePullSecret: Subject = {
  name: "ImagePullSecret",
  args: {
    namespace: { type: "string" },
    server: { type: "string" },
    username: { type: "string" },
    password: {
      type: "string",
      anyCharacters:
        "a password may hold any character; it only travels base64-encoded in a Secret or to the registry API",
    },
    secretName: { type: "string" },
  },
  attempt(key, value) {
    new ImagePullSecret("bad", {
      namespace: "ebpf",
      server: "registry-vpc.cn-hangzhou.aliyuncs.com",
      username: "dev@1234567890",
      password: "secret",
      [key]: value,
    } as never);
  },
  inputName: (key) => key,
};

export const SUBJECTS: Subject[] = [
  stackConfig,
  ebpfWorkload,
  ebpfWorkbench,
  ebpfSidecarWorkload,
  workbenchImage,
  tcpConnectVerification,
  imagePullSecret,
];

const rows = SUBJECTS.flatMap((s) =>
  Object.entries(s.args).flatMap(([key, spec]) =>
    badValues(spec).map(([kind, value]) => ({ subject: s, key, kind, value })),
  ),
);
const label = (v: unknown) =>
  typeof v === "string" && v.length > 40
    ? `"${v.slice(0, 12)}…" (${v.length} chars)`
    : (JSON.stringify(v)?.slice(0, 50) ?? String(v));

/** The one error about this input, from an InputError or InputErrors. */
function errorFor(err: unknown, input: string): InputError | undefined {
  const all = err instanceof InputErrors ? err.errors : err instanceof InputError ? [err] : [];
  return all.find((e) => e.input === input || e.input.startsWith(`${input}.`) || e.input.startsWith(`${input}[`));
}

/**
 * Every argument of every component the package entry exports, read by the TypeScript checker from
 * each class's constructor (inherited Args members included): the table's claim, enforced.
 */
function componentArguments(): Map<string, string[]> {
  const entry = path.join(__dirname, "..", "..", "components", "index.ts");
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const out = new Map<string, string[]>();
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.valueDeclaration;
    if (!declaration || !ts.isClassDeclaration(declaration)) continue;
    const base = declaration.heritageClauses?.[0]?.types[0]?.expression.getText();
    if (base !== "pulumi.ComponentResource") continue;
    const constructor = declaration.members.find(ts.isConstructorDeclaration)!;
    const argsType = checker.getTypeAtLocation(constructor.parameters[1]);
    out.set(
      symbol.name,
      checker
        .getPropertiesOfType(argsType)
        .map((p) => p.name)
        .sort(),
    );
  }
  return out;
}

describe("bad input table", () => {
  test("covers every config key", () => {
    expect(Object.keys(stackConfig.args).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
  });

  test("covers every argument of every exported component", () => {
    const components = componentArguments();
    expect([...components.keys()].sort()).toEqual(
      SUBJECTS.filter((s) => s !== stackConfig)
        .map((s) => s.name)
        .sort(),
    );
    for (const subject of SUBJECTS.filter((s) => s !== stackConfig))
      expect({ component: subject.name, args: Object.keys(subject.args).sort() }).toEqual({
        component: subject.name,
        args: components.get(subject.name),
      });
  }, 60_000);

  test.each(rows.map((r) => [r.subject.name, r.key, r.kind, label(r.value), r] as const))(
    "%s %s: %s %s",
    (_s, _k, _kind, _v, row) => {
      const before = registered.length;
      let thrown: unknown;
      try {
        row.subject.attempt(row.key, row.value);
      } catch (e) {
        thrown = e;
      }
      expect(registered.length).toBe(before);
      expect(thrown).toBeDefined();
      const input = row.subject.inputName(row.key);
      const error = errorFor(thrown, input);
      if (!error) throw new Error(`expected an error naming ${input}, got: ${(thrown as Error)?.message}`);
      expect(error.accepted.length).toBeGreaterThan(3);
      expect((thrown as Error).message).toContain(`${error.input}: `);
      expect((thrown as Error).message).toContain(`expected ${error.accepted}`);
      // An oversized value is not echoed back whole.
      expect((thrown as Error).message.length).toBeLessThan(5_000);
    },
  );
});
