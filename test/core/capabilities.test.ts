import {
  CapabilityRequest,
  PROBE_KIND_NAMES,
  ProbeKind,
  VENDOR_DEMO_CAPABILITIES,
  decodeCapabilityMask,
  excessCapabilities,
  normalizeCapability,
  planCapabilities,
} from "../../core/capabilities";
import { InputError } from "../../core/errors";
import { Kernel, parseKernelRelease } from "../../core/kernel";

const k = (release: string): Kernel => parseKernelRelease(release)!;
const names = (request: CapabilityRequest) => planCapabilities(request).add.map((g) => g.name);

describe("capability model: the fentry tcp_connect trace by kernel (docs/design.md#the-capability-model)", () => {
  test.each<[string, Kernel, string[]]>([
    ["5.8 (first with ring buffer and CAP_BPF)", k("5.8.0"), ["BPF", "PERFMON", "SYS_RESOURCE"]],
    ["5.10 Alibaba Cloud Linux 3", k("5.10.134-16.3.al8.x86_64"), ["BPF", "PERFMON", "SYS_RESOURCE"]],
    ["5.10.999 last before memcg accounting", k("5.10.999"), ["BPF", "PERFMON", "SYS_RESOURCE"]],
    ["5.11 memcg accounting", k("5.11"), ["BPF", "PERFMON"]],
    ["6.6", k("6.6.71-generic"), ["BPF", "PERFMON"]],
    ["unknown (safe default)", "unknown", ["BPF", "PERFMON", "SYS_RESOURCE"]],
  ])("%s", (_label, kernel, expected) => {
    const plan = planCapabilities({ kernel });
    expect(plan.add.map((g) => g.name)).toEqual(expected);
    expect(plan.drop).toEqual(["ALL"]);
    expect(plan.seccompProfile).toBe("RuntimeDefault");
    expect(plan.hostPaths).toEqual([]);
    expect(plan.risk).toBe("least-privilege");
    expect(plan.podSecurityLevel).toBe("privileged");
    for (const grant of plan.add) expect(grant.reason.length).toBeGreaterThan(10);
  });

  test.each(["4.19.91", "5.4.0", "5.7.19"])("kernel %s is refused with the reason", (release) => {
    expect(() => planCapabilities({ kernel: k(release) })).toThrow(InputError);
    expect(() => planCapabilities({ kernel: k(release) })).toThrow(
      /kernel: "[\d.]+" is not accepted \(kernels before 5.8 have no BPF ring buffer.*expected an amd64 kernel >= 5.8/,
    );
  });

  test("arm64 fentry needs 6.4; earlier kernels fail like cilium/ebpf does", () => {
    expect(() => planCapabilities({ kernel: k("6.1.0"), architecture: "arm64" })).toThrow(
      /create raw tracepoint: not supported.*expected an arm64 kernel >= 6.4/,
    );
    expect(names({ kernel: k("6.4.0"), architecture: "arm64" })).toEqual(["BPF", "PERFMON"]);
    expect(planCapabilities({ architecture: "arm64" }).warnings.join("\n")).toMatch(/arm64 kernel >= 6.4/);
  });

  test("arm64 kprobe is not held to the fentry minimum", () => {
    expect(names({ kernel: k("5.10.0"), architecture: "arm64", probeKinds: ["kprobe"] })).toEqual([
      "BPF",
      "PERFMON",
      "SYS_RESOURCE",
    ]);
  });

  test("the five unneeded vendor capabilities are named with a reason; SYS_RESOURCE only once memlock is gone", () => {
    const old = planCapabilities({ kernel: k("5.10.0") }).notNeeded.map((g) => g.name);
    expect(old).toEqual(["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "IPC_LOCK", "SYSLOG"]);
    const current = planCapabilities({ kernel: k("6.6.0") }).notNeeded;
    expect(current.map((g) => g.name)).toEqual([
      "SYS_ADMIN",
      "NET_ADMIN",
      "NET_RAW",
      "SYS_RESOURCE",
      "SYS_PTRACE",
      "IPC_LOCK",
      "SYSLOG",
    ]);
    expect(current.find((g) => g.name === "IPC_LOCK")!.reason).toMatch(/memlock/);
  });
});

describe("capability model: probe kinds", () => {
  test.each<[ProbeKind, string[], boolean]>([
    ["fentry", ["BPF", "PERFMON"], false],
    ["kprobe", ["BPF", "PERFMON"], false],
    ["kprobe-tracefs", ["BPF", "PERFMON"], true],
    ["tracepoint", ["BPF", "PERFMON"], true],
    ["tc", ["BPF", "NET_ADMIN"], false],
    ["xdp", ["BPF", "NET_ADMIN"], false],
    ["raw-socket", ["BPF", "NET_RAW"], false],
    ["ksym", ["BPF", "PERFMON", "SYSLOG"], false],
  ])("%s on 6.6 adds %j (tracefs: %s)", (kind, expected, tracefs) => {
    const plan = planCapabilities({ probeKinds: [kind], kernel: k("6.6") });
    expect(plan.add.map((g) => g.name)).toEqual(expected);
    expect(plan.hostPaths.map((h) => h.path)).toEqual(tracefs ? ["/sys/kernel/tracing"] : []);
    for (const h of plan.hostPaths) expect(h.readOnly).toBe(true);
    expect(plan.notNeeded.map((g) => g.name)).not.toContain(expected[1]);
  });

  test("every probe kind is in the table", () => {
    expect(PROBE_KIND_NAMES).toHaveLength(8);
  });

  test("kinds combine as a union and duplicates collapse", () => {
    expect(names({ probeKinds: ["fentry", "tc", "tc"], kernel: k("6.6") })).toEqual(["BPF", "NET_ADMIN", "PERFMON"]);
  });

  test("unknown or empty probe kinds are refused with the accepted list", () => {
    expect(() => planCapabilities({ probeKinds: ["uprobe" as ProbeKind] })).toThrow(
      /probeKinds: "uprobe" is not accepted; expected one of: fentry, kprobe/,
    );
    expect(() => planCapabilities({ probeKinds: [] })).toThrow(/a non-empty list/);
  });
});

describe("capability model: vendor-demo profile", () => {
  const plan = planCapabilities({ profile: "vendor-demo", kernel: k("6.6") });
  test("reproduces the seven capabilities, drops nothing, mounts debugfs, high risk", () => {
    expect(plan.add.map((g) => g.name).sort()).toEqual([...VENDOR_DEMO_CAPABILITIES].sort());
    expect(plan.drop).toEqual([]);
    expect(plan.seccompProfile).toBeUndefined();
    expect(plan.hostPaths).toEqual([expect.objectContaining({ path: "/sys/kernel/debug", readOnly: true })]);
    expect(plan.risk).toBe("high");
    expect(plan.warnings[0]).toMatch(/^HIGH RISK/);
  });
  test("warns about each capability the kernel does not need", () => {
    for (const c of ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_RESOURCE", "SYS_PTRACE", "IPC_LOCK", "SYSLOG"]) {
      expect(plan.warnings.some((w) => w.startsWith(`${c} is not needed`))).toBe(true);
    }
    const old = planCapabilities({ profile: "vendor-demo", kernel: k("5.10.0") });
    expect(old.warnings.some((w) => w.startsWith("SYS_RESOURCE is not needed"))).toBe(false);
  });
});

describe("warnings a user must see", () => {
  test("perf-event probe kinds warn about kernel.perf_event_paranoid (measured on Debian kernels); fentry does not", () => {
    expect(planCapabilities({ kernel: k("6.6"), probeKinds: ["tracepoint"] }).warnings.join("\n")).toMatch(
      /tracepoint attach through perf_event_open\(\).*perf_event_paranoid is at most 2/,
    );
    expect(planCapabilities({ kernel: k("6.6") }).warnings.join("\n")).not.toMatch(/perf_event_paranoid/);
  });
  const text = planCapabilities({ kernel: k("6.6") }).warnings.join("\n");
  test.each([
    [/containerd 1\.6\.9, Docker 23\.0 and CRI-O 1\.31/],
    [/Docker 20\.10 rejects them/],
    [/pod-security\.kubernetes\.io\/enforce=privileged/],
    [/16 MiB of headroom/],
    [/hostUsers: false/],
  ])("%s", (pattern) => expect(text).toMatch(pattern));
  test("Unconfined seccomp is reported", () => {
    const plan = planCapabilities({ seccompProfile: "Unconfined" });
    expect(plan.seccompProfile).toBe("Unconfined");
    expect(plan.warnings.join("\n")).toMatch(/seccomp Unconfined/);
  });
});

describe("capability names and masks", () => {
  test.each([
    ["CAP_BPF", "BPF"],
    ["cap_sys_admin", "SYS_ADMIN"],
    [" perfmon ", "PERFMON"],
    ["ALL", "ALL"],
  ])("%s → %s", (input, expected) => expect(normalizeCapability(input)).toBe(expected));

  test("CapEff of drop ALL + BPF, PERFMON", () => {
    expect(decodeCapabilityMask("000000c000000000")).toEqual(["PERFMON", "BPF"]);
  });
  test("CapEff of a privileged container names everything up to CHECKPOINT_RESTORE", () => {
    const all = decodeCapabilityMask("000001ffffffffff");
    expect(all).toHaveLength(41);
    expect(all).toContain("SYS_ADMIN");
  });
  test("unknown bits are kept visible", () => {
    expect(decodeCapabilityMask("0000080000000000")).toEqual(["CAP_43"]);
  });
  test("excess: SYS_RESOURCE on 6.6, nothing on 5.10, everything but the required under privileged", () => {
    expect(excessCapabilities(["BPF", "PERFMON", "SYS_RESOURCE"], ["fentry"], k("6.6"))).toEqual(["SYS_RESOURCE"]);
    expect(excessCapabilities(["BPF", "PERFMON", "SYS_RESOURCE"], ["fentry"], k("5.10.0"))).toEqual([]);
    expect(excessCapabilities(decodeCapabilityMask("000001ffffffffff"), ["fentry"], k("6.6"))).toHaveLength(39);
  });
});

describe("minimization grant", () => {
  test("SETPCAP is added only when the verification minimizes, with a reason and a warning", () => {
    const plan = planCapabilities({ kernel: k("6.6"), minimizeCapabilities: true });
    expect(plan.add.map((g) => g.name)).toEqual(["BPF", "PERFMON", "SETPCAP"]);
    expect(plan.add.find((g) => g.name === "SETPCAP")!.reason).toMatch(/setpriv/);
    expect(plan.warnings.join("\n")).toMatch(/turn minimizeCapabilities off after the run/);
    expect(names({ kernel: k("6.6") })).not.toContain("SETPCAP");
  });
  test("the runtime audit does not count the minimization grant as excess", () => {
    expect(
      excessCapabilities(["BPF", "PERFMON", "SETPCAP"], ["fentry"], k("6.6"), { minimizeCapabilities: true }),
    ).toEqual([]);
    expect(excessCapabilities(["BPF", "PERFMON", "SETPCAP"], ["fentry"], k("6.6"))).toEqual(["SETPCAP"]);
  });
});
