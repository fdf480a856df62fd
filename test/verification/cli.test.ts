import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { parseVerifyArgs, kubeconfigPathFor, formatResult } from "../../verification/cliArgs";
import type { CheckResult } from "../../verification/check";
import { startFakeCluster, FakeCluster } from "../../testing/verification/fakeCluster";
import { preparePodEnvironment, PodEnvironment, STAND_IN_TRACER } from "../../testing/verification/podEnvironment";
import { ROOT } from "../../testing/verification/driverClient";

describe("parseVerifyArgs", () => {
  test("the documented form, with = and space separated values", () => {
    expect(
      parseVerifyArgs([
        "--namespace",
        "ebpf",
        "--deployment=wb",
        "--json",
        "--ready-timeout",
        "10",
        "--target",
        "10.0.0.1:80",
        "--minimize",
      ]),
    ).toEqual({
      kind: "run",
      command: {
        options: {
          namespace: "ebpf",
          deployment: "wb",
          readyTimeoutMs: 10_000,
          target: "10.0.0.1:80",
          minimizeCapabilities: true,
        },
        json: true,
      },
    });
    expect(
      parseVerifyArgs(["--namespace", "n", "--deployment", "d", "--kubeconfig", "/k", "--context", "c"]),
    ).toMatchObject({
      command: { kubeconfigPath: "/k", context: "c", json: false },
    });
    expect(parseVerifyArgs(["--help"])).toEqual({ kind: "help" });
  });

  test.each([
    [["--deployment", "d"], /--namespace: \(not set\) is not accepted; expected the namespace/],
    [["--namespace", "n"], /--deployment: \(not set\) is not accepted/],
    [["--namespace", "n", "--deployment", "d", "--bogus"], /"--bogus" is not an option; expected one of: --namespace/],
    [["--namespace", "--deployment", "d"], /--namespace: \(not set\) is not accepted; expected a value/],
    [
      ["--namespace", "n", "--deployment", "d", "--event-timeout", "soon"],
      /--event-timeout: "soon" is not accepted; expected a positive number of seconds/,
    ],
    [["--namespace", "n", "--namespace", "m", "--deployment", "d"], /--namespace is given twice/],
    [["--namespace", "n", "--deployment", "d", "--json=yes"], /--json takes no value/],
  ])("%j → a usage error naming the flag", (argv, message) => {
    const parsed = parseVerifyArgs(argv as string[]);
    expect(parsed.kind).toBe("error");
    expect((parsed as { message: string }).message).toMatch(message);
  });

  test("kubeconfig: the flag, else the first $KUBECONFIG entry, else ~/.kube/config", () => {
    expect(kubeconfigPathFor("/x", { KUBECONFIG: "/y" }, "/home/u")).toBe("/x");
    expect(kubeconfigPathFor(undefined, { KUBECONFIG: ":/y:/z" }, "/home/u")).toBe("/y");
    expect(kubeconfigPathFor(undefined, {}, "/home/u")).toBe("/home/u/.kube/config");
  });
});

describe("formatResult", () => {
  const base: CheckResult = {
    check: "tcp_connect-fentry",
    verified: true,
    namespace: "ebpf",
    deployment: "wb",
    pod: "wb-0",
    container: "workbench",
    kernel: "6.6.71",
    architecture: "amd64",
    btf: true,
    effectiveCapabilities: ["BPF", "PERFMON", "SYS_RESOURCE"],
    requiredCapabilities: ["BPF", "PERFMON"],
    excessCapabilities: ["SYS_RESOURCE"],
    target: "127.0.0.1:23451",
    matchedEvent: { comm: "bash", srcAddr: "127.0.0.1", srcPort: 41000, dstAddr: "127.0.0.1", dstPort: 23451 },
    sampleEvents: [{ comm: "bash", srcAddr: "127.0.0.1", srcPort: 41000, dstAddr: "127.0.0.1", dstPort: 23451 }],
    timings: { podReadyMs: 5, attachMs: 300, eventMs: 12, readyToAttachedMs: 320, attachedToEventMs: 15, totalMs: 400 },
    tracerStop: "stopped",
    warnings: ["capabilities beyond what this kernel needs for fentry: SYS_RESOURCE"],
    minimization: null,
    failure: null,
  };
  test("a verified result: the evidence as a table", () => {
    const text = formatResult(base);
    expect(text).toMatch(/^result\s+VERIFIED/m);
    expect(text).toMatch(/^excess capabilities\s+SYS_RESOURCE$/m);
    expect(text).toMatch(/^matched event\s+bash\s+127\.0\.0\.1\s+41000\s+-> 127\.0\.0\.1\s+23451$/m);
    expect(text).toContain("attach 300 ms");
  });
  test("a failed result ends with the classified failure", () => {
    const text = formatResult({
      ...base,
      verified: false,
      matchedEvent: null,
      failure: { kind: "no-btf", summary: "no BTF", remedy: "use a kernel with BTF", tracerStderr: ["x"], details: [] },
    });
    expect(text).toMatch(/^result\s+NOT VERIFIED/m);
    expect(text).toContain("[no-btf]");
  });
});

describe("npm run verify (cli/verify.ts) against the fake cluster", () => {
  let env: PodEnvironment;
  let cluster: FakeCluster;
  let kubeconfigFile: string;
  beforeAll(async () => {
    // The portable node (any user): the capability audit is not checked here.
    env = preparePodEnvironment("portable");
    cluster = await startFakeCluster({
      namespace: "ebpf",
      deployment: "wb",
      matchLabels: { app: "wb" },
      protocol: "v4.channel.k8s.io",
      lifetimeMs: 30_000,
      pods: [
        {
          name: "wb-0",
          env: env.env("wb-0", { FAKE_UNAME_R: "6.6.71", FAKE_UNAME_M: "x86_64" }),
        },
      ],
    });
    kubeconfigFile = path.join(env.dir, "kubeconfig.json");
    fs.writeFileSync(kubeconfigFile, cluster.kubeconfig);
  });
  afterAll(async () => {
    await cluster.close();
    env.cleanup();
  });

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "cli/verify.ts"), ...args],
        { cwd: ROOT },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  test("--json: exit 0 and the result", async () => {
    const { code, stdout } = await run([
      "--namespace",
      "ebpf",
      "--deployment",
      "wb",
      "--kubeconfig",
      kubeconfigFile,
      "--tracer",
      STAND_IN_TRACER,
      "--json",
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      verified: true,
      pod: "wb-0",
      kernel: "6.6.71",
      matchedEvent: { comm: "bash", dstAddr: "127.0.0.1" },
    });
  });

  test("not verified: exit 1 and the human report", async () => {
    const { code, stdout } = await run([
      "--namespace",
      "ebpf",
      "--deployment",
      "wb",
      "--kubeconfig",
      kubeconfigFile,
      "--tracer",
      "/nope/fentry",
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^result\s+NOT VERIFIED/m);
    expect(stdout).toContain("[tracer-missing]");
  });

  test("an API server that refuses the very first request: api-unreachable with the endpoint and the cause", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = path.join(env.dir, "refused.json");
    fs.writeFileSync(refused, cluster.kubeconfig.replace(cluster.url, `http://127.0.0.1:${port}`));
    const { code, stdout } = await run(["--namespace", "ebpf", "--deployment", "wb", "--kubeconfig", refused]);
    expect(code).toBe(1);
    expect(stdout).toContain("[api-unreachable]");
    expect(stdout).toContain(`cannot reach the Kubernetes API server at http://127.0.0.1:${port}`);
    expect(stdout).toContain("ECONNREFUSED");
    expect(stdout).not.toContain("in the middle of the check");
  });

  test("usage errors: exit 2 with the usage text", async () => {
    const missing = await run(["--deployment", "wb"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--namespace: \(not set\) is not accepted[\s\S]*Usage: npm run verify/);
    const badFile = await run(["--namespace", "ebpf", "--deployment", "wb", "--kubeconfig", "/no/such/kubeconfig"]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain('--kubeconfig: "/no/such/kubeconfig" cannot be read (ENOENT)');
  });
});
