import {
  classifyTracerExit,
  classifyApiError,
  failure,
  formatFailure,
  failureError,
  FAILURE_KINDS,
  tailLines,
  isConnectionError,
} from "../../verification/failures";

const MEMLOCK = "2024/12/17 08:40:48 failed to set memlock rlimit: operation not permitted";

describe("classifyTracerExit", () => {
  test.each([
    ["the misleading memlock message", [MEMLOCK], 1, {}, "operation-not-permitted"],
    [
      "a refused program load",
      [
        "2024/12/17 08:40:48 loading objects: field TcpConnect: program tcp_connect: load program: operation not permitted",
      ],
      1,
      {},
      "operation-not-permitted",
    ],
    [
      "bpf() refused with SYS_RESOURCE present",
      [
        "2024/12/17 08:40:48 loading objects: field TcpConnect: program tcp_connect: map events: map create: operation not permitted (MEMLOCK may be too low, consider rlimit.RemoveMemlock)",
      ],
      1,
      {},
      "operation-not-permitted",
    ],
    ["arm64 before 6.4", ["2024/12/17 08:40:48 create raw tracepoint: not supported"], 1, {}, "kernel-unsupported"],
    [
      "no BTF",
      [
        "2024/12/17 08:40:48 loading objects: ... load kernel spec: no BTF found for kernel version 5.4.0: not supported",
      ],
      1,
      {},
      "no-btf",
    ],
    ["preflight says no BTF, whatever the stderr", [MEMLOCK], 1, { btfPresent: false }, "no-btf"],
    ["preflight says the kernel is too old", [MEMLOCK], 1, { kernelSupported: false }, "kernel-unsupported"],
    ["command not found", ["sh: 1: exec: /usr/local/bin/fentry-tcp-connect: not found"], 127, {}, "tracer-missing"],
    ["timeout fired", [], 124, {}, "header-timeout"],
    ["something else", ["2024/12/17 08:40:48 opening ringbuf reader: bad file descriptor"], 1, {}, "tracer-exited"],
  ])("%s", (_name, stderr, exitCode, extra, kind) => {
    expect(classifyTracerExit({ stderr, exitCode, ...extra })).toBe(kind);
  });
});

describe("classifyApiError", () => {
  test("403 on exec names exec, elsewhere the API; no status with a network error is a lost connection", () => {
    expect(classifyApiError(403, true)).toBe("exec-forbidden");
    expect(classifyApiError(403, false)).toBe("api-forbidden");
    expect(classifyApiError(401, false)).toBe("api-forbidden");
    expect(classifyApiError(undefined, false, "connect ECONNREFUSED 127.0.0.1:6443")).toBe("connection-lost");
    expect(classifyApiError(undefined, false, "HTTP protocol is not allowed")).toBe("api-error");
    expect(classifyApiError(500, true)).toBe("api-error");
    expect(isConnectionError("socket hang up")).toBe(true);
  });
});

describe("messages", () => {
  test.each(FAILURE_KINDS.map((k) => [k]))("%s: summary, remedy, and the tracer's last stderr lines", (kind) => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const f = failure(kind, { tracerStderr: stderr, context: { namespace: "ebpf", deployment: "wb", pod: "wb-0" } });
    const text = formatFailure(f);
    expect(text).toContain(`[${kind}]`);
    expect(f.summary.length).toBeGreaterThan(10);
    expect(f.remedy.length).toBeGreaterThan(10);
    expect(text).toContain("line 29");
    expect(text).toContain("line 15");
    expect(text).not.toContain("line 14\n");
  });

  test("operation not permitted: CAP_BPF/PERFMON, seccomp and ACS privileged mode; NOT SYS_RESOURCE or IPC_LOCK", () => {
    const f = failure("operation-not-permitted", { tracerStderr: [MEMLOCK] });
    expect(f.remedy).toMatch(/CAP_BPF and CAP_PERFMON/);
    expect(f.remedy).toMatch(/seccomp/);
    expect(f.remedy).toMatch(/privileged mode/);
    expect(f.remedy).toMatch(/not SYS_RESOURCE or IPC_LOCK/);
    expect(f.remedy).toMatch(/perf_event_paranoid is above 2/);
    expect(formatFailure(f)).toContain("failed to set memlock rlimit: operation not permitted");
  });

  test("exec forbidden names the verb and resource", () => {
    const f = failure("exec-forbidden", { context: { namespace: "ebpf" } });
    expect(f.remedy).toMatch(/verb create on the resource pods\/exec in namespace ebpf/);
    expect(f.remedy).toMatch(/get and list on pods/);
  });

  test("a failure that never ran the tracer says so", () => {
    expect(formatFailure(failure("pod-not-ready", {}))).toContain("the tracer did not run or printed nothing");
  });

  test("failureError carries the failure and the full message", () => {
    const err = failureError(failure("no-btf", { tracerStderr: ["x"] }));
    expect(err.failure.kind).toBe("no-btf");
    expect(err.message).toContain("[no-btf]");
  });

  test("tailLines drops NULs and blank lines", () => {
    expect(tailLines(["a\u0000", "  ", "b"], 5)).toEqual(["a", "b"]);
  });
});
