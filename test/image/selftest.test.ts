/**
 * The in-image self-test (images/ebpf-workbench/ebpf-selftest), run with the stand-in tracer
 * (testing/verification/fake-fentry-tcp-connect) on the portable node (any user): tracer errors and
 * timeouts, classified. Its success and no-event paths need the native node's connect tap (the
 * script connects inline), so they are in selftestConfined.integration.ts. Its failure
 * classification is generated from verification/failures.ts; these tests show the committed script
 * is up to date and that both classify alike.
 * The stand-in tracer's capability outcomes copy the model's rules: plumbing, not the model.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { classifyTracerExit, FailureKind } from "../../verification/failures";
import { SELFTEST_SCRIPT_FILE, generatedClassifier, withGeneratedBlock } from "../../verification/selftestScript";
import { declaredCapabilities } from "../../testing/verification/podEnvironment";
import { useSelftest } from "./support/selftestRunner";

const selftest = useSelftest("portable");

describe("ebpf-selftest with the stand-in tracer (portable node)", () => {
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
      "no capabilities (declared: none)",
      declaredCapabilities([]),
      [],
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
