import {
  capabilityMask,
  deploymentReady,
  nodeReadiness,
  parseMemlockLimit,
  parseProcStatus,
} from "../../cluster/status";

// The lines of a probe container's /proc/self/status on the 6.12 node (BPF + PERFMON, RuntimeDefault).
const PROBE_STATUS = `Name:\tcat
Umask:\t0022
State:\tR (running)
CapInh:\t0000000000000000
CapPrm:\t000000c000000000
CapEff:\t000000c000000000
CapBnd:\t000000c000000000
CapAmb:\t0000000000000000
NoNewPrivs:\t1
Seccomp:\t2
Seccomp_filters:\t1
`;

describe("/proc/self/status", () => {
  test("reads the capability sets and the confinement lines", () => {
    expect(parseProcStatus(PROBE_STATUS)).toEqual({
      capEff: "000000c000000000",
      capPrm: "000000c000000000",
      capBnd: "000000c000000000",
      noNewPrivs: 1,
      seccomp: 2,
    });
  });

  test("a missing line is named", () => {
    expect(() => parseProcStatus(PROBE_STATUS.replace(/^Seccomp:.*$/m, ""))).toThrow("no Seccomp: line");
  });
});

// /proc/self/limits in the probe container on the 5.10 node (containerd's RLIMIT_MEMLOCK, passed on).
const PROBE_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         65536                65536                bytes
Max address space         unlimited            unlimited            bytes
`;

describe("/proc/self/limits", () => {
  test("reads RLIMIT_MEMLOCK's soft and hard values in bytes", () => {
    expect(parseMemlockLimit(PROBE_LIMITS)).toEqual({ soft: 65536, hard: 65536 });
  });

  test("unlimited stays unlimited", () => {
    const text = PROBE_LIMITS.replace(/^Max locked memory.*$/m, "Max locked memory  8388608  unlimited  bytes");
    expect(parseMemlockLimit(text)).toEqual({ soft: 8388608, hard: "unlimited" });
  });

  test.each([
    ["missing", PROBE_LIMITS.replace(/^Max locked memory.*$/m, "")],
    ["not a number", PROBE_LIMITS.replace("65536                65536", "64k  64k")],
  ])("a %s line is named", (_what, text) => {
    expect(() => parseMemlockLimit(text)).toThrow('no "Max locked memory" line');
  });
});

describe("capability masks", () => {
  test.each([
    [["BPF", "PERFMON"], "000000c000000000"],
    [["CAP_BPF", "PERFMON", "SYS_RESOURCE"], "000000c001000000"],
    [[], "0000000000000000"],
    [["SYS_ADMIN"], "0000000000200000"],
  ])("%j → %s", (names, mask) => {
    expect(capabilityMask(names)).toBe(mask);
  });

  test("an unknown name is refused", () => {
    expect(() => capabilityMask(["FLY"])).toThrow('capability "FLY": no bit known');
  });
});

describe("node readiness", () => {
  const node = (ready: string, reason = "KubeletReady") => ({
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False" },
        { type: "Ready", status: ready, reason, message: "container runtime network not ready" },
      ],
      nodeInfo: {
        kubeletVersion: "v1.35.4",
        containerRuntimeVersion: "containerd://1.7.24",
        kernelVersion: "6.12.117+deb13-cloud-amd64",
      },
    },
  });

  test("Ready=True with the versions", () => {
    expect(nodeReadiness(node("True"))).toMatchObject({
      ready: true,
      kubeletVersion: "v1.35.4",
      containerRuntime: "containerd://1.7.24",
      kernel: "6.12.117+deb13-cloud-amd64",
    });
  });

  test("not ready: the condition's reason and message", () => {
    expect(nodeReadiness(node("False", "KubeletNotReady"))).toMatchObject({
      ready: false,
      reason: "KubeletNotReady: container runtime network not ready",
    });
    expect(nodeReadiness({})).toMatchObject({ ready: false, reason: "no Ready condition" });
  });
});

describe("Deployment rollout", () => {
  const dep = (generation: number, status: object) => ({ metadata: { generation }, spec: { replicas: 1 }, status });
  test.each([
    [dep(2, { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 1 }), true],
    [dep(2, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1 }), false],
    [dep(1, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 0 }), false],
    [dep(1, {}), false],
  ])("%j → %s", (d, ready) => {
    expect(deploymentReady(d)).toBe(ready);
  });
});
