import { ebpfHostPathOf, hostPathVolumes, isEbpfWorkload, normalizeHostPath } from "./ebpf";
import { podTemplateOf } from "./podSpecs";
import type { KubeObject } from "./types";

describe("normalizeHostPath", () => {
  it.each([
    ["/sys/kernel/debug", "/sys/kernel/debug"],
    ["/sys/kernel/debug/", "/sys/kernel/debug"],
    ["/sys/fs/bpf///", "/sys/fs/bpf"],
    [" /sys/fs/bpf ", "/sys/fs/bpf"],
    ["/sys/kernel/tracing\u00a0", "/sys/kernel/tracing"],
    ["\ufeff/sys/kernel/tracing", "/sys/kernel/tracing"],
    ["/", "/"],
    ["///", "/"],
    ["", "/"],
  ])("%j → %j", (raw, normal) => {
    expect(normalizeHostPath(raw)).toBe(normal);
  });

  it("names the eBPF host path a path points into, and nothing for a path that only shares a prefix", () => {
    expect(ebpfHostPathOf("/sys/kernel/debug/tracing/")).toBe("/sys/kernel/debug");
    expect(ebpfHostPathOf(" /sys/fs/bpf\u00a0")).toBe("/sys/fs/bpf");
    expect(ebpfHostPathOf("/sys/kernel/debugfs")).toBeUndefined();
  });
});

describe("decisions kept on the template", () => {
  const deployment = (): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "probe" },
    spec: {
      template: {
        spec: {
          containers: [{ name: "tracer", image: "x", securityContext: { capabilities: { add: ["BPF"] } } }],
          volumes: [
            { name: "debugfs", hostPath: { path: "/sys/kernel/debug/" } },
            { name: "data", emptyDir: {} },
          ],
        },
      },
    },
  });

  it("are made once per template and equal a fresh template's", () => {
    const pod = podTemplateOf(deployment())!;
    expect(isEbpfWorkload(pod)).toBe(true);
    expect(pod.memo?.isEbpfWorkload).toBe(true);
    expect(hostPathVolumes(pod)).toBe(hostPathVolumes(pod));
    expect(hostPathVolumes(pod)).toEqual([
      { index: 0, name: "debugfs", path: "/sys/kernel/debug/", ebpfPath: "/sys/kernel/debug" },
    ]);
  });

  it.each([
    ["nothing", {}, {}, false],
    ["a container adding PERFMON", { securityContext: { capabilities: { add: ["perfmon"] } } }, {}, true],
    ["a container adding only NET_ADMIN", { securityContext: { capabilities: { add: ["NET_ADMIN"] } } }, {}, false],
    ["a volume below /sys/fs/bpf", {}, { volumes: [{ name: "bpffs", hostPath: { path: "/sys/fs/bpf/maps" } }] }, true],
    ["a volume elsewhere on the host", {}, { volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] }, false],
  ])("is an eBPF workload with %s: %s", (_name, containerFields, specFields, expected) => {
    const obj: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "x", ...containerFields }], ...specFields },
    };
    expect(isEbpfWorkload(podTemplateOf(obj)!)).toBe(expected);
  });

  it("is an eBPF workload with an acs-ebpf.io annotation alone", () => {
    const obj: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", annotations: { "acs-ebpf.io/kernel": "6.6.71" } },
      spec: { containers: [{ name: "c", image: "x" }] },
    };
    expect(isEbpfWorkload(podTemplateOf(obj)!)).toBe(true);
  });
});
