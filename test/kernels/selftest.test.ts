/**
 * The self-test on real kernels (kernels/selftest.ts): which cases, what the model expects, the
 * guest's command lines and the judging of the script's output. The guest side (matrix.sh's
 * `selftest`) runs here under the host's sh with a stand-in command.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SELFTEST_PATH, TRACER_BINARY_PATH } from "../../core/workload";
import { confinementOf } from "../../kernels/confinement";
import { parseRowOutputs } from "../../kernels/results";
import {
  IMAGE_PATH,
  SelftestCase,
  formatSelftest,
  parseSelftestReport,
  renderedSelftestContainer,
  selftestCases,
  selftestCommand,
  selftestResultOf,
} from "../../kernels/selftest";

const K612 = "6.12.117+deb13-cloud-amd64";
const K510 = "5.10.0-32-cloud-amd64";

// First lines the script printed in the guests (npm run kernels), with the real fentry tracer.
const OK =
  "acs-ebpf-selftest: OK tcp_connect traced: 2026/11/26 09:17:55 ebpf-selftest 127.0.0.1       58488  -> 127.0.0.1       27674 \n";
const REFUSED =
  "acs-ebpf-selftest: FAILED [operation-not-permitted] the tracer exited (code 1) before attaching\nWhat to do: bpf() or perf_event_open() was refused.\n" +
  "Tracer stderr (last lines):\n  2026/11/26 09:17:56 failed to set memlock rlimit: operation not permitted\n";
const MISSING = `acs-ebpf-selftest: FAILED [tracer-missing] the prebuilt tracer ${TRACER_BINARY_PATH} is not in this container\n`;

describe("the probe container comes from the rendered sidecar", () => {
  test("its startupProbe runs the image's self-test; its confinement is the model's", () => {
    const c = renderedSelftestContainer(K612, "amd64");
    expect(c.startupProbe?.exec?.command).toEqual([SELFTEST_PATH]);
    expect(confinementOf(c)).toEqual({
      capabilities: ["BPF", "PERFMON"],
      noNewPrivs: true,
      seccomp: "runtime-default",
    });
    expect(confinementOf(renderedSelftestContainer(K510, "amd64")).capabilities).toEqual([
      "BPF",
      "PERFMON",
      "SYS_RESOURCE",
    ]);
  });
  test("a container without the self-test is refused, naming it", () => {
    const { startupProbe: _none, ...without } = renderedSelftestContainer(K612, "amd64");
    expect(() => selftestCases(K612, "amd64", without)).toThrow(/container ebpf-probe: no startupProbe exec command/);
  });
  test("the image's PATH is the Dockerfile's: Go's directories first", () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, "../../images/ebpf-workbench/Dockerfile"), "utf8");
    const prefix = /PATH=(\S+):\$\{PATH\}/.exec(dockerfile)![1];
    expect(IMAGE_PATH.startsWith(`${prefix}:`)).toBe(true);
  });
});

describe("cases and the model's expectations", () => {
  test("6.x: the grant exits 0; without BPF or PERFMON, operation-not-permitted; no tracer, tracer-missing", () => {
    const cases = selftestCases(K612, "amd64");
    expect(
      cases.map((c) => [c.variant, c.grant.join(","), c.tracerPresent, c.expected.exit, c.expected.failureKind]),
    ).toEqual([
      ["model", "BPF,PERFMON", true, "zero", null],
      ["minus-BPF", "PERFMON", true, "non-zero", "operation-not-permitted"],
      ["minus-PERFMON", "BPF", true, "non-zero", "operation-not-permitted"],
      ["tracer-missing", "BPF,PERFMON", false, "non-zero", "tracer-missing"],
    ]);
    expect(cases.every((c) => c.timeoutSeconds === 30 && c.noNewPrivs && c.seccomp === "runtime-default")).toBe(true);
  });
  test("5.10: SYS_RESOURCE is necessary too", () => {
    expect(selftestCases(K510, "amd64").find((c) => c.variant === "minus-SYS_RESOURCE")?.expected).toEqual({
      exit: "non-zero",
      failureKind: "operation-not-permitted",
    });
  });
});

describe("the guest's command lines", () => {
  test("the probe command as the kubelet execs it: the image's environment only, the container's confinement, the probe's timeout", () => {
    const [model, , , missing] = selftestCases(K612, "amd64");
    const lines = selftestCommand([model, missing]).split("\n");
    expect(lines).toEqual([
      "'/usr/local/bin/seccomp-runtime-default' 'BPF,PERFMON' > /tmp/selftest-seccomp-0.json",
      `selftest 'selftest/model' '${TRACER_BINARY_PATH}' '1' '--' 'timeout' '-s' 'KILL' '30' 'env' '-i' 'PATH=${IMAGE_PATH}' 'HOME=/root' ` +
        `'confine' '-caps' 'BPF,PERFMON' '-nnp' '-seccomp' '/tmp/selftest-seccomp-0.json' '--' '${SELFTEST_PATH}'`,
      "'/usr/local/bin/seccomp-runtime-default' 'BPF,PERFMON' > /tmp/selftest-seccomp-1.json",
      expect.stringMatching(/^selftest 'selftest\/tracer-missing' '\S+' '0' '--' /),
    ]);
  });
  test("an unconfined container loads no profile; the container's env is passed", () => {
    const c: SelftestCase = {
      ...selftestCases(K612, "amd64")[0],
      seccomp: "unconfined",
      noNewPrivs: false,
      env: [{ name: "__IS_SIDECAR__", value: "true" }],
    };
    const line = selftestCommand([c]);
    expect(line).not.toMatch(/seccomp/);
    expect(line).not.toMatch(/-nnp/);
    expect(line).toContain("'HOME=/root' '__IS_SIDECAR__=true' 'confine'");
  });

  test("matrix.sh's selftest: exit status and output between @@row and @@end; the tracer moved aside and back", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "selftest-guest-"));
    try {
      const tracer = path.join(dir, "tracer");
      fs.writeFileSync(tracer, "");
      const script = `. ${path.join(__dirname, "../../kernels/guest/matrix.sh")}\nselftest selftest/x ${tracer} 0 -- sh -c 'test -e ${tracer} || echo "no tracer"; exit 3'\n`;
      const r = spawnSync("sh", ["-c", script], { encoding: "utf8", cwd: dir, env: { ...process.env, TMPDIR: dir } });
      expect(parseRowOutputs(r.stdout.split("\n"))).toEqual([{ id: "selftest/x", exitCode: 3, stderr: "no tracer\n" }]);
      expect(fs.existsSync(tracer)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("judging what the script printed", () => {
  const [model, minusBpf, , missing] = selftestCases(K612, "amd64");
  const out = (exitCode: number, stderr: string) => ({ id: "x", exitCode, stderr });
  test("its first line: OK, FAILED [kind], or something else", () => {
    expect(parseSelftestReport(OK)).toMatchObject({ status: "ok", failureKind: null });
    expect(parseSelftestReport(REFUSED)).toMatchObject({
      status: "failed",
      failureKind: "operation-not-permitted",
      firstLine: expect.stringMatching(/before attaching$/),
    });
    expect(parseSelftestReport("bash: /usr/local/bin/ebpf-selftest: No such file or directory\n")).toMatchObject({
      status: "unrecognized",
      failureKind: null,
    });
  });
  test("as expected: exit 0 with OK; exit 1 with the expected kind", () => {
    expect(selftestResultOf(K612, "amd64", model, out(0, OK)).ok).toBe(true);
    expect(selftestResultOf(K612, "amd64", minusBpf, out(1, REFUSED))).toMatchObject({
      ok: true,
      exitCode: 1,
      failureKind: "operation-not-permitted",
    });
    expect(selftestResultOf(K612, "amd64", missing, out(1, MISSING)).ok).toBe(true);
  });
  test("mismatches: a failure where success was expected, another kind, an OK with a bad exit, a kill at the timeout, no report", () => {
    expect(selftestResultOf(K612, "amd64", model, out(1, REFUSED)).ok).toBe(false);
    expect(selftestResultOf(K612, "amd64", minusBpf, out(1, MISSING)).ok).toBe(false);
    expect(selftestResultOf(K612, "amd64", model, out(1, OK)).ok).toBe(false);
    expect(selftestResultOf(K612, "amd64", minusBpf, out(137, "")).ok).toBe(false);
    const none = selftestResultOf(K612, "amd64", model, undefined);
    expect(none).toMatchObject({ ok: false, exitCode: null, firstLine: expect.stringMatching(/no result/) });
    expect(formatSelftest([none])).toMatch(/model .* expected exit 0 .* exit - MISMATCH/);
  });
});
