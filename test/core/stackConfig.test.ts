import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, parseStackConfig as parseWith } from "../../core/stackConfig";
import { PINNED } from "../../images/ebpf-workbench/versions";

/** The stack config parsed against the pinned image versions, as the stack program does. */
const parseStackConfig = (values: Record<string, unknown>) => parseWith(values, PINNED);

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@sha256:${"b".repeat(64)}`;

describe("stack config", () => {
  test.each<[string, Record<string, unknown>, boolean]>([
    ["by default", {}, true],
    ["turned off", { "acs-ebpf:checkPodSecurity": false }, false],
    // No cluster to read the namespace from.
    ["on a render-only stack", { "kubernetes:renderYamlToDirectory": "out/x" }, false],
  ])("an existing namespace's Pod Security is checked %s", (_, values, expected) => {
    const config = parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:createNamespace": false, ...values });
    expect(config.workloadOptions.checkPodSecurity).toBe(expected);
    expect(config.workload?.checkPodSecurity).toBe(expected);
  });

  test("rolloutTimeoutSeconds reaches the workload; default the provider's 600", () => {
    expect(parseStackConfig({ "acs-ebpf:image": IMAGE }).workload?.rolloutTimeoutSeconds).toBe(600);
    expect(
      parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:rolloutTimeoutSeconds": 120 }).workload
        ?.rolloutTimeoutSeconds,
    ).toBe(120);
  });

  test("defaults give a least-privilege workload", () => {
    const config = parseStackConfig({ "acs-ebpf:image": IMAGE, "kubernetes:context": "ignored" });
    expect(config.image).toEqual({ mode: "existing", ref: IMAGE });
    expect(config.warnings).toEqual([]);
    expect(config.workload).toMatchObject({
      name: "ebpf-workbench",
      namespace: "ebpf-workbench",
      createNamespace: true,
      replicas: 1,
      computeClass: "general-purpose",
    });
    expect(config.workload.plan.add.map((g) => g.name)).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
  });

  test("values arrive as the engine sends them: strings, JSON arrays", () => {
    const config = parseStackConfig({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:replicas": "2",
      "acs-ebpf:createNamespace": "false",
      "acs-ebpf:probeKinds": '["fentry","xdp"]',
      "acs-ebpf:kernel": "6.6.71",
    });
    expect(config.workload.replicas).toBe(2);
    expect(config.workload.createNamespace).toBe(false);
    expect(config.workload.plan.add.map((g) => g.name)).toEqual(["BPF", "NET_ADMIN", "PERFMON"]);
  });

  test("values arrive as YAML gives them to render: numbers, booleans, lists", () => {
    const config = parseStackConfig({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:replicas": 3,
      "acs-ebpf:createNamespace": false,
      "acs-ebpf:probeKinds": ["kprobe"],
      "acs-ebpf:cpu": 2,
    });
    expect(config.workload).toMatchObject({ replicas: 3, createNamespace: false, cpu: "2" });
  });

  test("every bad key is reported at once with the key, the value and what is accepted", () => {
    let message = "";
    try {
      parseStackConfig({
        "acs-ebpf:computeClass": "tiny",
        "acs-ebpf:replicas": "two",
        "acs-ebpf:kernal": "6.6",
        "acs-ebpf:architecture": "riscv64",
        "acs-ebpf:probeKinds": "fentry",
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^6 inputs are not accepted:/);
    expect(message).toContain(
      'acs-ebpf:kernal: "6.6" is not accepted (unknown config key); expected a key of this project, one of: name, namespace,',
    );
    expect(message).toContain('acs-ebpf:replicas: "two" is not accepted; expected an integer');
    expect(message).toContain('acs-ebpf:probeKinds: "fentry" is not accepted; expected a list of strings');
    expect(message).toContain(
      'acs-ebpf:computeClass: "tiny" is not accepted; expected one of: general-purpose, performance, gpu, gpu-hpn',
    );
    expect(message).toContain('acs-ebpf:architecture: "riscv64" is not accepted; expected one of: amd64, arm64');
    expect(message).toContain("acs-ebpf:image: (not set) is not accepted; expected an image reference");
  });

  test("a kernel the trace cannot run on is a config error, not a failed deployment", () => {
    expect(() => parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:kernel": "5.4.0" })).toThrow(
      /acs-ebpf:kernel: "5.4.0" is not accepted \(kernels before 5.8/,
    );
  });

  test("Pulumi.yaml declares exactly the keys with a default (types, defaults) and names every optional key", () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
    const project = yaml.load(text) as {
      config: Record<string, { type: string; default?: unknown; description: string; items?: unknown }>;
    };
    // The real engine requires a value for every declared key of the project without a default,
    // so the optional keys are named in the comment above the block instead.
    const withDefault = Object.entries(CONFIG_KEYS).filter(([, spec]) => "default" in spec);
    expect(Object.keys(project.config)).toEqual(withDefault.map(([key]) => key));
    for (const [key, spec] of withDefault) {
      const documented = project.config[key];
      expect({ key, type: documented.type, default: documented.default, description: documented.description }).toEqual({
        key,
        type: spec.type,
        default: (spec as { default: unknown }).default,
        description: spec.description,
      });
    }
    const comment = text.slice(0, text.indexOf("\nconfig:"));
    for (const key of Object.keys(CONFIG_KEYS).filter((k) => !(k in project.config))) {
      expect({ key, named: new RegExp(`\\b${key}\\b`).test(comment) }).toEqual({ key, named: true });
    }
  });

  test("each documented key uses only what Pulumi's project schema allows (type, items, description, default, secret)", () => {
    const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    };
    for (const [key, declaration] of Object.entries(project.config)) {
      expect({
        key,
        extra: Object.keys(declaration).filter(
          (a) => !["type", "items", "description", "default", "secret"].includes(a),
        ),
      }).toEqual({ key, extra: [] });
      expect(["string", "integer", "boolean", "array"]).toContain(declaration.type);
      const items = (CONFIG_KEYS as Record<string, { items?: string }>)[key].items ?? "string";
      if (declaration.type === "array")
        expect({ key, items: declaration.items }).toEqual({ key, items: { type: items } });
      const secret = (CONFIG_KEYS as Record<string, { secret?: boolean }>)[key].secret === true;
      expect({ key, secret: declaration.secret === true }).toEqual({ key, secret });
    }
  });

  test.each(["dev", "vendor-demo"])("stack file Pulumi.%s.yaml parses", (stack) => {
    const doc = yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    };
    expect(() => parseStackConfig(doc.config)).not.toThrow();
  });
});

describe("stack config: image and registry", () => {
  const BUILD = {
    "acs-ebpf:imageRepository": "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
    "acs-ebpf:registryServer": "registry.cn-hangzhou.aliyuncs.com",
    "acs-ebpf:registryUsername": "dev@team",
    "acs-ebpf:registryPassword": "pa55-never-printed",
  };

  test("an image by tag works, with a warning to pin the digest", () => {
    const config = parseStackConfig({ "acs-ebpf:image": "registry.cn-hangzhou.aliyuncs.com/team/wb:v1" });
    expect(config.image).toEqual({ mode: "existing", ref: "registry.cn-hangzhou.aliyuncs.com/team/wb:v1" });
    expect(config.warnings.join("\n")).toMatch(/pinned by tag, not digest/);
  });

  test.each([
    "registry.cn-hangzhou.aliyuncs.com/team/wb:latest",
    "registry.cn-hangzhou.aliyuncs.com/team/wb",
    "Registry/Team/WB:v1",
  ])("image %s is refused", (image) => {
    expect(() => parseStackConfig({ "acs-ebpf:image": image })).toThrow(/acs-ebpf:image: .* is not accepted/);
  });

  test("build mode: the plan carries the pinned build and the pull host; the password is never in it", () => {
    const config = parseStackConfig({
      ...BUILD,
      "acs-ebpf:pullRegistryServer": "registry-vpc.cn-hangzhou.aliyuncs.com",
      "acs-ebpf:architecture": "arm64",
    });
    expect(config.image.mode).toBe("build");
    if (config.image.mode !== "build") return;
    expect(config.image.plan).toMatchObject({
      platform: "linux/arm64",
      pushServer: "registry.cn-hangzhou.aliyuncs.com",
      pullServer: "registry-vpc.cn-hangzhou.aliyuncs.com",
    });
    expect(config.pullCredentials).toEqual({ server: "registry-vpc.cn-hangzhou.aliyuncs.com", username: "dev@team" });
    expect(JSON.stringify(config)).not.toContain("pa55-never-printed");
  });

  test("errors name the config key the user set, never the password", () => {
    let message = "";
    try {
      parseStackConfig({ ...BUILD, "acs-ebpf:registryServer": "docker.io", "acs-ebpf:goproxy": "ftp://mirror" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/acs-ebpf:registryServer: "docker.io" is not accepted/);
    expect(message).toMatch(/acs-ebpf:goproxy: "ftp:\/\/mirror" is not accepted/);
    expect(message).not.toContain("pa55-never-printed");
  });

  test("credentials go together", () => {
    const { "acs-ebpf:registryPassword": _omit, ...noPassword } = BUILD;
    expect(() => parseStackConfig(noPassword)).toThrow(
      /^acs-ebpf:registryPassword: .* is not accepted; expected .*password/,
    );
  });

  test("a secret as render reads it from a stack file counts as set", () => {
    const config = parseStackConfig({ ...BUILD, "acs-ebpf:registryPassword": { secure: "v1:abc" } });
    expect(config.pullCredentials?.username).toBe("dev@team");
  });

  test("image and imageRepository exclude each other; one is required", () => {
    expect(() => parseStackConfig({ ...BUILD, "acs-ebpf:image": IMAGE })).toThrow(
      /either image \(no build\) or imageRepository \(build\)/,
    );
    expect(() => parseStackConfig({})).toThrow(
      /acs-ebpf:image: \(not set\) is not accepted; expected an image reference \(image\), or imageRepository/,
    );
  });

  test("registry credentials are refused on a render-only stack (its YAML would hold them in plain text)", () => {
    expect(() => parseStackConfig({ ...BUILD, "kubernetes:renderYamlToDirectory": "out/x" })).toThrow(
      /renderYamlToDirectory writes Secret data|plain text/,
    );
  });
});

describe("stack config: verification", () => {
  test("defaults: verify with loopback target and bounded timeouts", () => {
    expect(parseStackConfig({ "acs-ebpf:image": IMAGE }).verification).toEqual({
      enabled: true,
      skipReason: undefined,
      target: undefined,
      minimizeCapabilities: false,
      readyTimeoutSeconds: 300,
      attachTimeoutSeconds: 30,
      eventTimeoutSeconds: 15,
    });
  });
  test.each<[string, string, RegExp]>([
    [
      "acs-ebpf:verifyTarget",
      "example.com",
      /acs-ebpf:verifyTarget: "example.com" is not accepted; expected host:port/,
    ],
    [
      "acs-ebpf:verifyTarget",
      "[::1]:80",
      /acs-ebpf:verifyTarget: "\[::1\]:80" is not accepted; expected host:port with an IPv4 address/,
    ],
    [
      "acs-ebpf:verifyEventTimeoutSeconds",
      "0",
      /acs-ebpf:verifyEventTimeoutSeconds: 0 is not accepted; expected an integer from 1 to 3600/,
    ],
    ["acs-ebpf:verifyReadyTimeoutSeconds", "99999", /acs-ebpf:verifyReadyTimeoutSeconds: 99999 is not accepted/],
  ])("%s = %s is refused", (key, value, message) => {
    expect(() => parseStackConfig({ "acs-ebpf:image": IMAGE, [key]: value })).toThrow(message);
  });
  test("minimizeCapabilities grants SETPCAP in the workload, for the verification", () => {
    const config = parseStackConfig({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:minimizeCapabilities": "true",
      "acs-ebpf:kernel": "6.6",
    });
    expect(config.verification.minimizeCapabilities).toBe(true);
    expect(config.workload.plan.add.map((g) => g.name)).toEqual(["BPF", "PERFMON", "SETPCAP"]);
  });
});

describe("stack config: placement and tolerations", () => {
  // What the engine passes when only the placement is set: every declared default filled in, as strings.
  const ENGINE_DEFAULTS = {
    "acs-ebpf:replicas": "1",
    "acs-ebpf:computeClass": "general-purpose",
    "acs-ebpf:computeQos": "default",
    "acs-ebpf:minimizeCapabilities": "false",
    "acs-ebpf:verify": "true",
    "acs-ebpf:tolerations": "[]",
  };

  test("the default is the deployment placement: no tolerations, the workbench shell, the exec verification", () => {
    const config = parseStackConfig({ "acs-ebpf:image": IMAGE, ...ENGINE_DEFAULTS });
    expect(config.workload).toMatchObject({ placement: "deployment", tolerations: [] });
    expect(config.pod).toEqual({});
    expect(config.verification.enabled).toBe(true);
  });

  test("node, with the engine's defaults for the ACS keys: a DaemonSet workload, self-tested, tolerations from JSON as the engine sends them", () => {
    const config = parseStackConfig({
      "acs-ebpf:image": IMAGE,
      ...ENGINE_DEFAULTS,
      "acs-ebpf:placement": "node",
      "acs-ebpf:tolerations":
        '[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}]',
    });
    expect(config.workload).toMatchObject({
      placement: "node",
      podSize: undefined,
      tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
    });
    expect(config.pod).toEqual({ mode: "monitor", selfTest: true });
    expect(config.verification).toMatchObject({
      enabled: false,
      skipReason: expect.stringMatching(
        /^acs-ebpf:placement is node: each DaemonSet pod checks itself with the self-test startupProbe/,
      ),
    });
  });

  test("node, tolerations as a YAML list from a stack file", () => {
    const config = parseStackConfig({
      "acs-ebpf:image": IMAGE,
      "acs-ebpf:placement": "node",
      "acs-ebpf:tolerations": [{ operator: "Exists" }],
    });
    expect(config.workload.tolerations).toEqual([{ operator: "Exists" }]);
  });

  test("sidecar is refused with the key, the value, why and what to use instead", () => {
    expect(() => parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:placement": "sidecar" })).toThrow(
      'acs-ebpf:placement: "sidecar" is not accepted (the sidecar goes into an application\'s pods and this program declares no application: use EbpfWorkbench with placement sidecar, or EbpfSidecarWorkload, in the stack that declares the application); expected one of: deployment, node',
    );
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      "replicas other than the default",
      { "acs-ebpf:replicas": "3" },
      /acs-ebpf:replicas: 3 is not accepted \(a DaemonSet runs one pod per node\); expected unset with placement node/,
    ],
    [
      "an ACS compute class other than the default",
      { "acs-ebpf:computeClass": "performance" },
      /acs-ebpf:computeClass: "performance" is not accepted \(ACS runs no DaemonSets/,
    ],
    [
      "a verify target",
      { "acs-ebpf:verifyTarget": "10.0.0.8:80" },
      /acs-ebpf:verifyTarget: "10.0.0.8:80" is not accepted \(the node placement verifies itself with the self-test startupProbe/,
    ],
    [
      "minimizeCapabilities",
      { "acs-ebpf:minimizeCapabilities": "true" },
      /acs-ebpf:minimizeCapabilities: true is not accepted .*expected false with placement node/,
    ],
    [
      "a bad toleration",
      { "acs-ebpf:tolerations": '[{"key":"dedicated","operator":"Exists","value":"tracing"}]' },
      /acs-ebpf:tolerations\[0\]\.value: "tracing" is not accepted \(Exists matches any value of the key\)/,
    ],
    [
      "tolerations that are no list of mappings",
      { "acs-ebpf:tolerations": '["control-plane"]' },
      /acs-ebpf:tolerations: "\[\\"control-plane\\"\]" is not accepted; expected a list of mappings/,
    ],
  ])("node with %s is refused", (_what, extra, message) => {
    expect(() =>
      parseStackConfig({ "acs-ebpf:image": IMAGE, ...ENGINE_DEFAULTS, "acs-ebpf:placement": "node", ...extra }),
    ).toThrow(message);
  });

  test("tolerations with the deployment placement are refused (ACS places the workbench itself)", () => {
    expect(() =>
      parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:tolerations": '[{"operator":"Exists"}]' }),
    ).toThrow(
      /acs-ebpf:tolerations: \[\{"operator":"Exists"\}\] is not accepted .*expected unset with placement deployment/,
    );
  });
});
