import * as fs from "fs";
import * as path from "path";
import { parseKernelRelease } from "../../core/kernel";
import { CONTAINERD_DEFAULT_CAPABILITIES, confinementOf } from "../../kernels/confinement";
import { PROBES, matrixRows, modelExpects, probesFor, renderedContainer } from "../../kernels/matrix";
import { formatTable, lastLine, parseRowOutputs, resultOf } from "../../kernels/results";
import { judgeVerify, verifyVariants } from "../../kernels/verifyInGuest";

const k = (r: string) => parseKernelRelease(r)!;

describe("confinement from the rendered Deployment", () => {
  test("least-privilege: drop ALL + add becomes exactly the grant, no_new_privs, RuntimeDefault", () => {
    expect(confinementOf(renderedContainer("fentry", k("6.1.0-50-cloud-amd64"), "amd64"))).toEqual({
      capabilities: ["BPF", "PERFMON"],
      noNewPrivs: true,
      seccomp: "runtime-default",
    });
    expect(confinementOf(renderedContainer("fentry", k("5.10.0-32-cloud-amd64"), "amd64")).capabilities).toEqual([
      "BPF",
      "PERFMON",
      "SYS_RESOURCE",
    ]);
  });
  test("vendor demo: containerd's defaults plus the seven, unconfined", () => {
    const c = confinementOf(renderedContainer("fentry", k("6.1"), "amd64", "vendor-demo"));
    expect(c.noNewPrivs).toBe(true); // the project renders allowPrivilegeEscalation: false for both profiles
    expect(c.seccomp).toBe("unconfined");
    expect(c.capabilities).toEqual(
      expect.arrayContaining([...CONTAINERD_DEFAULT_CAPABILITIES, "SYS_ADMIN", "SYSLOG", "IPC_LOCK"]),
    );
    expect(c.capabilities).not.toContain("BPF");
  });
  test("a dropped default stays dropped; CAP_ prefixes are normalized", () => {
    expect(
      confinementOf({ securityContext: { capabilities: { drop: ["NET_RAW"], add: ["CAP_BPF"] } } }).capabilities,
    ).toEqual([...CONTAINERD_DEFAULT_CAPABILITIES.filter((c) => c !== "NET_RAW"), "BPF"].sort());
  });
  test("what the guest cannot reproduce is refused, naming the field", () => {
    expect(() => confinementOf({ securityContext: { privileged: true } })).toThrow(/securityContext.privileged/);
    expect(() => confinementOf({ securityContext: { runAsUser: 1000 } })).toThrow(/runAsUser: 1000/);
    expect(() => confinementOf({ securityContext: { seccompProfile: { type: "Localhost" } } })).toThrow(
      /"Localhost" is not reproduced/,
    );
  });
});

describe("matrix rows and the model's expectations", () => {
  test("6.x fentry: model, each capability removed, none, vendor, containerd 1.6.8", () => {
    const rows = matrixRows("fentry", "6.12.117+deb13-cloud-amd64", "amd64");
    expect(rows.map((r) => [r.variant, r.expected])).toEqual([
      ["model", "event"],
      ["minus-BPF", "failure"],
      ["minus-PERFMON", "failure"],
      ["none", "failure"],
      ["vendor-demo", "event"],
      ["containerd-1.6.8", "failure"],
    ]);
  });
  test("5.10 adds SYS_RESOURCE and a row with RLIMIT_MEMLOCK raised beforehand that needs no SYS_RESOURCE", () => {
    const rows = matrixRows("fentry", "5.10.0-32-cloud-amd64", "amd64");
    expect(rows.find((r) => r.variant === "minus-SYS_RESOURCE")?.expected).toBe("failure");
    expect(rows.find((r) => r.variant === "memlock-raised")).toMatchObject({
      grant: ["BPF", "PERFMON"],
      memlock: "unlimited",
      expected: "event",
    });
  });
  test("xdp before 6.1 needs PERFMON (measured: the 5.10 verifier refuses packet-pointer comparisons without it)", () => {
    const rows = matrixRows("xdp", "5.10.0-32-cloud-amd64", "amd64");
    expect(rows[0].grant).toEqual(["BPF", "NET_ADMIN", "PERFMON", "SYS_RESOURCE"]);
    // The xdp example never raises RLIMIT_MEMLOCK and its maps fit the default: SYS_RESOURCE is granted but not necessary.
    expect(rows.find((r) => r.variant === "minus-SYS_RESOURCE")?.expected).toBe("event");
    expect(rows.find((r) => r.variant === "minus-PERFMON")?.expected).toBe("failure");
    expect(matrixRows("xdp", "6.1.0-50-cloud-amd64", "amd64")[0].grant).toEqual(["BPF", "NET_ADMIN"]);
  });
  test("SYS_ADMIN stands in for BPF and PERFMON, also past containerd 1.6.8's profile", () => {
    expect(
      modelExpects("fentry", k("6.1"), "amd64", {
        grant: ["SYS_ADMIN"],
        seccomp: "containerd-1.6.8",
        memlock: "default",
      }),
    ).toBe("event");
    expect(
      modelExpects("fentry", k("6.1"), "amd64", {
        grant: ["BPF", "PERFMON"],
        seccomp: "containerd-1.6.8",
        memlock: "default",
      }),
    ).toBe("failure");
    expect(
      modelExpects("fentry", k("5.10"), "amd64", {
        grant: ["BPF", "PERFMON"],
        seccomp: "runtime-default",
        memlock: "default",
      }),
    ).toBe("failure");
  });
  test("arm64 fentry before 6.4: one row, the unknown-kernel rendering, expected to fail", () => {
    expect(matrixRows("fentry", "6.1.0-50-cloud-arm64", "arm64")).toEqual([
      expect.objectContaining({
        variant: "kernel-unsupported",
        grant: ["BPF", "PERFMON", "SYS_RESOURCE"],
        expected: "failure",
      }),
    ]);
    expect(matrixRows("fentry", "6.12.117+deb13-cloud-arm64", "arm64")[0]).toMatchObject({
      variant: "model",
      grant: ["BPF", "PERFMON"],
      expected: "event",
    });
    expect(
      modelExpects("fentry", k("6.1"), "arm64", { grant: ["SYS_ADMIN"], seccomp: "unconfined", memlock: "default" }),
    ).toBe("failure");
  });
  test("tcx only from 6.6", () => {
    expect(probesFor(k("6.1"))).not.toContain("tcx");
    expect(probesFor(k("6.12"))).toContain("tcx");
  });
});

describe("events and results from the guest's console", () => {
  const stderr = (lines: string[]) => lines.map((l) => `2026/11/26 08:40:49 ${l}`).join("\n");
  test("each example's event line (real lines from the guests)", () => {
    expect(
      PROBES.kprobe.sawEvent(
        stderr(["Waiting for events..", "sys_execve called 0 times", "sys_execve called 33 times"]),
      ),
    ).toBe(true);
    expect(PROBES.kprobe.sawEvent(stderr(["sys_execve called 0 times"]))).toBe(false);
    expect(PROBES.xdp.sawEvent(stderr(["Map contents:\n\t127.0.0.1 => 8"]))).toBe(true);
    expect(PROBES.tcx.sawEvent(stderr(["Packet Count:          8 Ingress,          8 Egress"]))).toBe(true);
    expect(PROBES.tcx.sawEvent(stderr(["Packet Count:          0 Ingress,          0 Egress"]))).toBe(false);
    expect(PROBES.tracepoint.sawEvent(stderr(["Record: {CPU:0 RawSample:[1 2]}"]))).toBe(true);
    expect(
      PROBES.fentry.sawEvent(
        stderr([
          "Comm             Src addr        Port   -> Dest addr       Port  ",
          "nc               127.0.0.1       40000  -> 127.0.0.1       9     ",
        ]),
      ),
    ).toBe(true);
  });
  test("@@row blocks decode; a failure is named by the verification's classifier", () => {
    const text = "2026/11/26 08:40:49 failed to set memlock rlimit: operation not permitted\n";
    const lines = [
      "noise",
      "@@row fentry/none 1",
      ...Buffer.from(text)
        .toString("base64")
        .match(/.{1,76}/g)!,
      "@@end fentry/none",
      "@@done 0",
    ];
    const [out] = parseRowOutputs(lines);
    expect(out).toEqual({ id: "fentry/none", exitCode: 1, stderr: text });
    const row = matrixRows("fentry", "6.1.0-50-cloud-amd64", "amd64").find((r) => r.variant === "none")!;
    const result = resultOf("6.1.0-50-cloud-amd64", "amd64", row, out);
    expect(result).toMatchObject({
      outcome: "failure",
      expected: "failure",
      failureKind: "operation-not-permitted",
      stderr: "failed to set memlock rlimit: operation not permitted",
    });
    expect(formatTable([result])).toMatch(
      /fentry\s+\(none\)\s+runtime-default\s+default\s+failure\s+failure\s+operation-not-permitted\s+yes/,
    );
    expect(resultOf("6.1", "amd64", row, undefined).stderr).toMatch(/no result/);
    expect(lastLine("a\n\n")).toBe("a");
  });
});

describe("the verification chain's expectations", () => {
  test("6.x: the unknown-kernel grant's SYS_RESOURCE is excess; --minimize must find exactly BPF and PERFMON", () => {
    const [model, minimize, unknown] = verifyVariants(k("6.12.117+deb13-cloud-amd64"), "amd64");
    expect(model.grant).toEqual(["BPF", "PERFMON"]);
    expect(minimize).toMatchObject({ grant: ["BPF", "PERFMON", "SETPCAP"], expect: { necessary: ["BPF", "PERFMON"] } });
    expect(unknown.expect.excess).toEqual(["SYS_RESOURCE"]);
    const base = {
      verified: true,
      excessCapabilities: [] as string[],
      minimization: { necessary: ["PERFMON", "BPF"] },
    };
    expect(judgeVerify(minimize, base)).toBe(true);
    expect(judgeVerify(minimize, { ...base, minimization: { necessary: ["BPF"] } })).toBe(false);
    expect(judgeVerify(unknown, { ...base, excessCapabilities: [] })).toBe(false);
    expect(judgeVerify(model, { ...base, verified: false })).toBe(false);
  });
  test("5.10: SYS_RESOURCE is part of the model, never excess", () => {
    expect(verifyVariants(k("5.10.0-32-cloud-amd64"), "amd64")[2].expect.excess).toEqual([]);
  });
});

test("kernels/go builds the cilium/ebpf tag pinned for the workbench image", () => {
  const versions = JSON.parse(
    fs.readFileSync(path.join(__dirname, "../../images/ebpf-workbench/versions.json"), "utf8"),
  );
  const goMod = fs.readFileSync(path.join(__dirname, "../../kernels/go/go.mod"), "utf8");
  expect(goMod).toMatch(new RegExp(`github.com/cilium/ebpf ${versions.ciliumEbpf.tag.replace(/\./g, "\\.")}\\b`));
  expect(fs.readFileSync(path.join(__dirname, "../../kernels/go/go.sum"), "utf8")).toContain(
    `github.com/cilium/ebpf ${versions.ciliumEbpf.tag} h1:`,
  );
});

// Last stderr lines the examples printed in the guests (npm run kernels), one per kind of refusal.
test.each([
  ["5.10, no SYS_RESOURCE", "failed to set memlock rlimit: operation not permitted"],
  [
    "5.10, no BPF",
    "loading objects: field TcpConnect: program tcp_connect: map events: map create: operation not permitted (MEMLOCK may be too low, consider rlimit.RemoveMemlock)",
  ],
  [
    "no PERFMON",
    "loading objects: field TcpConnect: program tcp_connect: load program: operation not permitted (MEMLOCK may be too low, consider rlimit.RemoveMemlock)",
  ],
  [
    "5.10 xdp, no PERFMON",
    "loading objects: field XdpProgFunc: program xdp_prog_func: load program: permission denied: 4: (2d) if r3 > r2 goto pc+26: R2 pointer comparison prohibited (9 line(s) omitted)",
  ],
  [
    "perf_event_paranoid 3",
    'opening kprobe: creating perf_kprobe PMU (arch-specific fallback for "sys_execve"): token sys_execve: opening perf event: permission denied',
  ],
  [
    "tracepoint, no PERFMON",
    "creating event reader: failed to create perf ring for CPU 0: can't create perf event: operation not permitted",
  ],
])("the classifier names a real refusal (%s) operation-not-permitted", (_why, line) => {
  const row = matrixRows("fentry", "6.1.0-50-cloud-amd64", "amd64")[0];
  expect(
    resultOf("6.1.0-50-cloud-amd64", "amd64", row, { id: row.id, exitCode: 1, stderr: `2026/11/26 08:40:49 ${line}\n` })
      .failureKind,
  ).toBe("operation-not-permitted");
});
