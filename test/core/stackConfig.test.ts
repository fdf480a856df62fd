import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, parseStackConfig } from "../../core/stackConfig";

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/wb@sha256:${"b".repeat(64)}`;

describe("stack config", () => {
  test("defaults give a least-privilege workload", () => {
    const config = parseStackConfig({ "acs-ebpf:image": IMAGE, "kubernetes:context": "ignored" });
    expect(config.image).toBe(IMAGE);
    expect(config.workload).toMatchObject({ name: "ebpf-workbench", namespace: "ebpf-workbench", createNamespace: true, replicas: 1, computeClass: "general-purpose" });
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
    const config = parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:replicas": 3, "acs-ebpf:createNamespace": false, "acs-ebpf:probeKinds": ["kprobe"], "acs-ebpf:cpu": 2 });
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
    expect(message).toContain('acs-ebpf:kernal: "6.6" is not accepted (unknown config key); expected a key of this project, one of: name, namespace,');
    expect(message).toContain('acs-ebpf:replicas: "two" is not accepted; expected an integer');
    expect(message).toContain('acs-ebpf:probeKinds: "fentry" is not accepted; expected a list of strings');
    expect(message).toContain('acs-ebpf:computeClass: "tiny" is not accepted; expected one of: general-purpose, performance, gpu, gpu-hpn');
    expect(message).toContain('acs-ebpf:architecture: "riscv64" is not accepted; expected one of: amd64, arm64');
    expect(message).toContain("acs-ebpf:image: (not set) is not accepted; expected an image reference");
  });

  test("a kernel the trace cannot run on is a config error, not a failed deployment", () => {
    expect(() => parseStackConfig({ "acs-ebpf:image": IMAGE, "acs-ebpf:kernel": "5.4.0" })).toThrow(/acs-ebpf:kernel: "5.4.0" is not accepted \(kernels before 5.8/);
  });

  test("Pulumi.yaml documents exactly the keys, types and defaults the program validates", () => {
    const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type: string; default?: unknown; description: string; items?: unknown }>;
    };
    expect(Object.keys(project.config)).toEqual(Object.keys(CONFIG_KEYS));
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      const documented = project.config[key];
      expect({ key, type: documented.type, default: documented.default, description: documented.description }).toEqual({
        key,
        type: spec.type,
        default: "default" in spec ? spec.default : undefined,
        description: spec.description,
      });
    }
  });

  test.each(["dev", "vendor-demo"])("stack file Pulumi.%s.yaml parses", (stack) => {
    const doc = yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    expect(() => parseStackConfig(doc.config)).not.toThrow();
  });
});
