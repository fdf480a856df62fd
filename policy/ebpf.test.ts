import { ebpfHostPathOf, ebpfMarkers, hostPathVolumes, isEbpfWorkload, normalizeHostPath } from "./ebpf";
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
          volumes: [{ name: "debugfs", hostPath: { path: "/sys/kernel/debug/" } }, { name: "data", emptyDir: {} }],
        },
      },
    },
  });

  it("are made once per template and equal a fresh template's", () => {
    const pod = podTemplateOf(deployment())!;
    expect(isEbpfWorkload(pod)).toBe(true);
    expect(pod.memo?.isEbpfWorkload).toBe(true);
    const markers = ebpfMarkers(pod);
    expect(markers).toEqual(["container tracer adds BPF", "volume debugfs mounts /sys/kernel/debug from the host"]);
    expect(hostPathVolumes(pod)).toBe(hostPathVolumes(pod));
    expect(hostPathVolumes(pod)).toEqual([{ index: 0, name: "debugfs", path: "/sys/kernel/debug/", ebpfPath: "/sys/kernel/debug" }]);
    expect(ebpfMarkers(podTemplateOf(deployment())!)).toEqual(markers);
  });

  it("a template without markers is not an eBPF workload", () => {
    const plain = deployment();
    const spec = (plain.spec as { template: { spec: { containers: { securityContext?: unknown }[]; volumes?: unknown } } }).template.spec;
    delete spec.containers[0].securityContext;
    delete spec.volumes;
    const pod = podTemplateOf(plain)!;
    expect(ebpfMarkers(pod)).toEqual([]);
    expect(isEbpfWorkload(pod)).toBe(false);
  });
});
