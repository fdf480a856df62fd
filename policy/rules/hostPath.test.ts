import { ANNOTATIONS } from "../../core/workload";
import { container, deployment, pod, run, vendorDeployment } from "../testing";
import { hostPath } from "./hostPath";

const mounting = (path: string, readOnly: boolean | undefined, caps: string[] = ["BPF", "PERFMON"]) => ({
  containers: [
    container(
      { capabilities: { drop: ["ALL"], add: caps } },
      { volumeMounts: [{ name: "h", mountPath: path, ...(readOnly === undefined ? {} : { readOnly }) }] },
    ),
  ],
  volumes: [{ name: "h", hostPath: { path } }],
});

function obj(path: string, readOnly: boolean | undefined, probeKinds?: string, caps?: string[]) {
  const m = mounting(path, readOnly, caps);
  return deployment(
    m.containers,
    { volumes: m.volumes },
    probeKinds ? { annotations: { [ANNOTATIONS.probeKinds]: probeKinds } } : {},
  );
}

describe("host-path", () => {
  it.each([
    ["no volumes", deployment([container()]), {}, []],
    ["emptyDir only", deployment([container()], { volumes: [{ name: "x", emptyDir: {} }] }), {}, []],
    ["tracefs read-only for a tracepoint probe", obj("/sys/kernel/tracing", true, "tracepoint"), {}, []],
    ["debugfs read-only for kprobe-tracefs", obj("/sys/kernel/debug/", true, "kprobe-tracefs"), {}, []],
    [
      "tracefs writable for a tracepoint probe",
      obj("/sys/kernel/tracing", undefined, "tracepoint"),
      {},
      ["spec.template.spec.containers[0].volumeMounts[0].readOnly"],
    ],
    [
      "tracefs for fentry (not needed)",
      obj("/sys/kernel/tracing", true, "fentry"),
      {},
      ["spec.template.spec.volumes[0].hostPath.path"],
    ],
    [
      "bpffs is needed by no modelled probe kind",
      obj("/sys/fs/bpf", true, "tracepoint"),
      {},
      ["spec.template.spec.volumes[0].hostPath.path"],
    ],
    ["any other host path", obj("/var/log", true, undefined, []), {}, ["spec.template.spec.volumes[0].hostPath.path"]],
    [
      "allowed prefix, read-only",
      obj("/foo/bar", true, undefined, []),
      { allowedHostPaths: [{ pathPrefix: "/foo", readOnly: true }] },
      [],
    ],
    [
      "allowed prefix needs read-only",
      obj("/foo/bar", false, undefined, []),
      { allowedHostPaths: [{ pathPrefix: "/foo", readOnly: true }] },
      ["spec.template.spec.containers[0].volumeMounts[0].readOnly"],
    ],
    [
      "allowed prefix without readOnly",
      obj("/foo", false, undefined, []),
      { allowedHostPaths: [{ pathPrefix: "/foo" }] },
      [],
    ],
    [
      "prefix matches whole components only",
      obj("/foobar", true, undefined, []),
      { allowedHostPaths: [{ pathPrefix: "/foo", readOnly: true }] },
      ["spec.template.spec.volumes[0].hostPath.path"],
    ],
  ])("%s", (_name, o, settings, fields) => {
    expect(run(hostPath, o, settings).map((f) => f.field)).toEqual(fields);
  });

  it("a writable mount in an ephemeral container counts", () => {
    const o = pod([container({}, { volumeMounts: [{ name: "h", mountPath: "/h", readOnly: true }] })], {
      ephemeralContainers: [container({}, { name: "dbg", volumeMounts: [{ name: "h", mountPath: "/h" }] })],
      volumes: [{ name: "h", hostPath: { path: "/foo" } }],
    });
    const findings = run(hostPath, o, { allowedHostPaths: [{ pathPrefix: "/foo", readOnly: true }] });
    expect(findings.map((f) => [f.container, f.field])).toEqual([
      ["dbg", "spec.ephemeralContainers[0].volumeMounts[0].readOnly"],
    ]);
  });

  it("flags the vendor document's debugfs mount with why and what to do", () => {
    const findings = run(hostPath, vendorDeployment());
    expect(findings).toHaveLength(1);
    expect(findings[0].field).toBe("spec.template.spec.volumes[0].hostPath.path");
    expect(findings[0].message).toMatch(
      /\/sys\/kernel\/debug \(debugfs.*probe kinds fentry do not need; remove the volume/,
    );
  });
});
