import { VENDOR_DEMO_CAPABILITIES, requiredCapabilities } from "../../core/capabilities";
import { parseKernelRelease } from "../../core/kernel";
import { ANNOTATIONS } from "../../core/workload";
import { container, deployment, pod, run, vendorDeployment } from "../testing";
import { ebpfLeastPrivilege } from "./ebpfLeastPrivilege";

const caps = (add: string[]) => container({ capabilities: { drop: ["ALL"], add } });

describe("ebpf-least-privilege", () => {
  it.each([
    ["not an eBPF workload (no marker)", pod([caps(["NET_ADMIN"])]), {}, []],
    ["model set, unknown kernel", pod([caps(["BPF", "PERFMON", "SYS_RESOURCE"])]), {}, []],
    [
      "SYS_RESOURCE on >= 5.11 (kernel setting)",
      pod([caps(["BPF", "PERFMON", "SYS_RESOURCE"])]),
      { kernel: "6.6.71" },
      ["SYS_RESOURCE"],
    ],
    [
      "SYS_RESOURCE on 5.10 (annotation)",
      deployment(
        [caps(["BPF", "PERFMON", "SYS_RESOURCE"])],
        {},
        { annotations: { [ANNOTATIONS.kernel]: "5.10.134-16.3.al8.x86_64" } },
      ),
      {},
      [],
    ],
    [
      "annotation overrides the kernel setting",
      deployment([caps(["BPF", "PERFMON", "SYS_RESOURCE"])], {}, { annotations: { [ANNOTATIONS.kernel]: "6.1" } }),
      { kernel: "5.10" },
      ["SYS_RESOURCE"],
    ],
    ["ALL", pod([caps(["ALL"])], {}, {}), {}, []], // ALL alone is no eBPF marker: the capabilities rule reports it
    ["ALL with BPF", pod([caps(["BPF", "ALL"])]), {}, ["ALL"]],
    [
      "lowercase and CAP_ prefix compared as the runtime does",
      pod([caps(["cap_bpf", "perfmon", "cap_sys_admin"])]),
      {},
      ["CAP_BPF-spelling", "SYS_ADMIN"],
    ],
    [
      "tc probe kind needs NET_ADMIN",
      deployment(
        [caps(["BPF", "NET_ADMIN"])],
        {},
        { annotations: { [ANNOTATIONS.probeKinds]: "tc", [ANNOTATIONS.kernel]: "6.6" } },
      ),
      {},
      [],
    ],
    [
      "NET_ADMIN without tc",
      deployment(
        [caps(["BPF", "PERFMON", "NET_ADMIN"])],
        {},
        { annotations: { [ANNOTATIONS.probeKinds]: "fentry", [ANNOTATIONS.kernel]: "6.6" } },
      ),
      {},
      ["NET_ADMIN"],
    ],
    [
      "SYSLOG for ksym",
      deployment(
        [caps(["BPF", "PERFMON", "SYSLOG"])],
        {},
        { annotations: { [ANNOTATIONS.probeKinds]: "fentry,ksym", [ANNOTATIONS.kernel]: "6.6" } },
      ),
      {},
      [],
    ],
    [
      "SETPCAP while the verification minimizes (annotated)",
      deployment(
        [caps(["BPF", "PERFMON", "SETPCAP"])],
        {},
        { annotations: { [ANNOTATIONS.kernel]: "6.6", [ANNOTATIONS.minimizeCapabilities]: "true" } },
      ),
      {},
      [],
    ],
    [
      "SETPCAP without the minimization annotation",
      deployment([caps(["BPF", "PERFMON", "SETPCAP"])], {}, { annotations: { [ANNOTATIONS.kernel]: "6.6" } }),
      {},
      ["SETPCAP"],
    ],
    [
      "initContainer and ephemeralContainer checked",
      pod([caps(["BPF"])], {
        initContainers: [{ ...caps(["BPF", "SYS_PTRACE"]), name: "i" }],
        ephemeralContainers: [{ ...caps(["PERFMON", "IPC_LOCK"]), name: "e" }],
      }),
      {},
      ["SYS_PTRACE", "IPC_LOCK"],
    ],
    [
      "an application container beside the probe is not judged as a probe",
      pod([{ ...caps(["NET_BIND_SERVICE"]), name: "app" }, caps(["BPF", "PERFMON"])]),
      { kernel: "6.6" },
      [],
    ],
    [
      "a native sidecar probe (init container, restartPolicy Always)",
      pod([{ ...caps(["CHOWN"]), name: "app" }], {
        initContainers: [{ ...caps(["BPF", "PERFMON", "SYS_PTRACE"]), name: "ebpf-probe", restartPolicy: "Always" }],
      }),
      { kernel: "6.6" },
      ["SYS_PTRACE"],
    ],
    [
      "an undeclared container adding BPF is left to the capabilities rule",
      deployment(
        [
          { ...caps(["BPF", "SYS_ADMIN"]), name: "app" },
          { ...caps(["BPF", "PERFMON"]), name: "ebpf-probe" },
        ],
        {},
        { annotations: { [ANNOTATIONS.probeContainers]: "ebpf-probe", [ANNOTATIONS.kernel]: "6.6" } },
      ),
      {},
      [],
    ],
  ])("%s", (_name, obj, settings, flagged) => {
    const findings = run(ebpfLeastPrivilege, obj, settings);
    const names = findings.map((f) =>
      / is written /.test(f.message)
        ? `CAP_${f.message.split(" ")[0]}-spelling`
        : /adds ALL/.test(f.message)
          ? "ALL"
          : f.message.split(" ")[1].replace(/,$/, ""),
    );
    expect(names).toEqual(flagged);
  });

  it("names the reason each extra capability is not needed and what the model requires", () => {
    const [f] = run(ebpfLeastPrivilege, pod([caps(["BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE"])]));
    expect(f.container).toBe("c");
    expect(f.field).toBe("spec.containers[0].securityContext.capabilities.add[3]");
    expect(f.message).toContain("other processes' /proc");
    expect(f.message).toContain("requires only BPF, PERFMON, SYS_RESOURCE");
  });

  it.each([
    [
      "PERFMON for a tc-only workload",
      "tc",
      ["BPF", "NET_ADMIN", "PERFMON"],
      /adds PERFMON, not needed for probe kinds tc on kernel 6\.6 \(it is for another probe kind: load a tracing program type/,
    ],
    [
      "a name that is no capability",
      "fentry",
      ["BPF", "PERFMON", "SYS_MAGIC"],
      /adds SYS_MAGIC, .*not a Linux capability name/,
    ],
    [
      "SYS_MODULE",
      "fentry",
      ["BPF", "PERFMON", "SYS_MODULE"],
      /adds SYS_MODULE, .*no eBPF probe kind in the capability model needs it/,
    ],
  ])("explains %s", (_name, kinds, add, message) => {
    const findings = run(
      ebpfLeastPrivilege,
      deployment([caps(add)], {}, { annotations: { [ANNOTATIONS.probeKinds]: kinds, [ANNOTATIONS.kernel]: "6.6" } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(message);
  });

  it.each([
    [
      "a bad probe kind",
      { [ANNOTATIONS.probeKinds]: "fentry,uprobe" },
      /acs-ebpf.io\/probe-kinds.*"fentry,uprobe".*one of: fentry/,
    ],
    ["a bad kernel", { [ANNOTATIONS.kernel]: "latest" }, /acs-ebpf.io\/kernel.*"latest"/],
    ["an unsupported kernel", { [ANNOTATIONS.kernel]: "5.4.0" }, /unsupported eBPF workload: kernel.*5\.8/],
    ["fentry on arm64 before 6.4", { [ANNOTATIONS.kernel]: "6.1", [ANNOTATIONS.architecture]: "arm64" }, /6\.4/],
    ["a bad architecture", { [ANNOTATIONS.architecture]: "riscv64" }, /one of: amd64, arm64/],
  ])("reports %s in the annotations", (_name, annotations, message) => {
    const findings = run(ebpfLeastPrivilege, deployment([caps(["BPF", "PERFMON"])], {}, { annotations }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(message);
  });

  describe("the vendor document's Deployment", () => {
    it.each([
      ["unknown", "unknown"],
      ["5.10", "5.10.134-16.3.al8.x86_64"],
      ["6.6", "6.6.71"],
    ])("on a %s kernel: one violation per capability the model does not keep", (_label, kernel) => {
      const model = new Set(
        requiredCapabilities(["fentry"], kernel === "unknown" ? "unknown" : parseKernelRelease(kernel)!),
      );
      const unneeded = VENDOR_DEMO_CAPABILITIES.filter((c) => !model.has(c));
      const findings = run(ebpfLeastPrivilege, vendorDeployment(), { kernel });
      expect(findings.map((f) => f.message.split(" ")[1].replace(/,$/, ""))).toEqual(unneeded);
      // SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, IPC_LOCK and SYSLOG are never needed by fentry.
      for (const c of ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "IPC_LOCK", "SYSLOG"])
        expect(unneeded).toContain(c);
      expect(unneeded.includes("SYS_RESOURCE")).toBe(kernel === "6.6.71");
    });
  });
});
