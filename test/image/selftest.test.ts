/**
 * The in-image self-test (images/ebpf-workbench/ebpf-selftest), run here with the stand-in tracer
 * (test/verification/support/fake-fentry-tcp-connect) and the connect tap as its "kernel": success,
 * no event, tracer errors. Its failure classification is generated from verification/failures.ts;
 * these tests show the committed script is up to date and that both classify alike.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { classifyTracerExit, FailureKind } from "../../verification/failures";
import { SELFTEST_SCRIPT_FILE, generatedClassifier, withGeneratedBlock } from "../../verification/selftestScript";
import { preparePodEnvironment, PodEnvironment, STAND_IN_TRACER } from "../verification/support/podEnvironment";

let env: PodEnvironment;
beforeAll(() => {
  env = preparePodEnvironment();
});
afterAll(() => env.cleanup());

function selftest(pod: string, extra: Record<string, string> = {}, wrapper: string[] = []) {
  const environment = {
    ...env.env(pod, { FAKE_UNAME_R: "6.6.71-1.al8.x86_64", FAKE_UNAME_M: "x86_64" }),
    EBPF_SELFTEST_TRACER: STAND_IN_TRACER,
    EBPF_SELFTEST_BTF: env.btfPath,
    // Generous where only a failure waits them out (a loaded machine runs the stand-in slowly);
    // the timeout cases set short ones.
    EBPF_SELFTEST_ATTACH_SECONDS: "15",
    EBPF_SELFTEST_EVENT_SECONDS: "15",
    ...extra,
  };
  const [cmd, ...args] = [...wrapper, SELFTEST_SCRIPT_FILE];
  const r = spawnSync(cmd, args, { env: environment, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, firstLine: r.stdout.split("\n")[0] };
}

describe("ebpf-selftest with the stand-in tracer", () => {
  test("success: the trace reports the script's own loopback connect; exit 0", () => {
    const r = selftest("ok");
    expect(r.code).toBe(0);
    expect(r.firstLine).toMatch(
      /^acs-ebpf-selftest: OK tcp_connect traced: .* 127\.0\.0\.1 +\d+ +-> 127\.0\.0\.1 +\d+/,
    );
  });

  test("no event: attached, but the connection is never reported; exit 1, classified", () => {
    const r = selftest("no-event", { FAKE_TRACER_MODE: "no-event", EBPF_SELFTEST_EVENT_SECONDS: "2" });
    expect(r.code).toBe(1);
    expect(r.firstLine).toMatch(
      /^acs-ebpf-selftest: FAILED \[no-matching-event\] the tracer attached but reported no tcp_connect event for 127\.0\.0\.1:\d+ within 2s/,
    );
    expect(r.stdout).toMatch(/What to do: The trace is IPv4 only/);
  });

  test.each<[string, Record<string, string>, string[], FailureKind, RegExp]>([
    ["no BTF in the kernel", { FAKE_TRACER_MODE: "no-btf" }, [], "no-btf", /no BTF found for kernel version/],
    [
      "arm64 before 6.4",
      { FAKE_TRACER_MODE: "old-arm64" },
      [],
      "kernel-unsupported",
      /create raw tracepoint: not supported/,
    ],
    [
      "no capabilities (drop ALL, add nothing)",
      {},
      ["setpriv", "--inh-caps", "-all", "--bounding-set", "-all", "--"],
      "operation-not-permitted",
      /failed to set memlock rlimit: operation not permitted/,
    ],
    [
      "no header in time",
      { FAKE_TRACER_MODE: "no-header", EBPF_SELFTEST_ATTACH_SECONDS: "2" },
      [],
      "header-timeout",
      /printed no header within 2s/,
    ],
    [
      "the tracer is not in the image",
      { EBPF_SELFTEST_TRACER: "/nonexistent/fentry-tcp-connect" },
      [],
      "tracer-missing",
      /not in this container/,
    ],
    [
      "BTF file missing (checked before the tracer runs)",
      { EBPF_SELFTEST_BTF: "/nonexistent/vmlinux" },
      [],
      "no-btf",
      /has no BTF \(\/nonexistent\/vmlinux is missing\)/,
    ],
  ])(
    "tracer error: %s; exit 1 with the classified failure and the tracer's stderr",
    (label, extra, wrapper, kind, evidence) => {
      const r = selftest(`err-${label.replace(/\W+/g, "-")}`, extra, wrapper);
      expect(r.code).toBe(1);
      expect(r.firstLine).toContain(`acs-ebpf-selftest: FAILED [${kind}]`);
      expect(r.stdout).toMatch(evidence);
      expect(r.stdout).toMatch(/^What to do: /m);
    },
  );
});

describe("one classifier: the script's is generated from verification/failures.ts", () => {
  test("the committed script carries the current generated block", () => {
    const script = fs.readFileSync(SELFTEST_SCRIPT_FILE, "utf8");
    expect(withGeneratedBlock(script)).toBe(script);
    expect(script).toContain(generatedClassifier());
  });

  test("a script with a stale block is detected", () => {
    const script = fs
      .readFileSync(SELFTEST_SCRIPT_FILE, "utf8")
      .replace("echo tracer-exited\n}", "echo something-else\n}");
    expect(withGeneratedBlock(script)).not.toBe(script);
  });

  test.each<[string[], number]>([
    [["2026/11/26 08:00:00 failed to set memlock rlimit: operation not permitted"], 1],
    [["loading objects: field TcpConnect: program tcp_connect: load program: permission denied"], 1],
    [["load kernel spec: no BTF found for kernel version 5.4.0: not supported"], 1],
    [["btf: vmlinux not found"], 1],
    [["create raw tracepoint: not supported"], 1],
    [["bash: /usr/local/bin/fentry-tcp-connect: No such file or directory"], 127],
    [["exec format error"], 126],
    [[], 124],
    [["something else went wrong"], 2],
    [["header", "Operation Not Permitted (uppercase)"], 1],
  ])("shell and TypeScript classify %j (exit %d) alike", (stderr, code) => {
    const program = `${generatedClassifier()}\nlines=("$@")\nclassify ${code}`;
    const r = spawnSync("bash", ["-c", program, "classify", ...stderr], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe(classifyTracerExit({ stderr, exitCode: code }));
  });
});
