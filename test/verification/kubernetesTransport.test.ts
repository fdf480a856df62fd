import { exitCodeFromStatus, textSink, upgradeStatus } from "../../verification/kubernetesTransport";
import { parseTarget } from "../../core/connectTarget";
import { resolveOptions } from "../../verification/checkOptions";
import { parsePreflight, assessPreflight } from "../../verification/preflight";

describe("exec status (channel 3) → exit code", () => {
  test.each([
    [{ metadata: {}, status: "Success" }, 0],
    [
      {
        status: "Failure",
        reason: "NonZeroExitCode",
        message: "command terminated with non-zero exit code: ... exit code 137",
        details: { causes: [{ reason: "ExitCode", message: "137" }] },
      },
      137,
    ],
    [{ status: "Failure", reason: "InternalError", message: "container not found" }, -1],
    [undefined, -1],
  ])("%j → %i", (status, code) => {
    expect(exitCodeFromStatus(status).exitCode).toBe(code);
  });
  test("a refused WebSocket upgrade carries its HTTP status", () => {
    expect(upgradeStatus("Unexpected server response: 403")).toBe(403);
    expect(upgradeStatus("connect ECONNREFUSED 127.0.0.1:6443")).toBeUndefined();
  });
});

describe("check inputs", () => {
  test("preflight output", () => {
    expect(parsePreflight("kernel=6.6.71\nmachine=x86_64\nbtf=yes\ntracer=no\ncapeff=000000c000000000\n")).toEqual({
      kernel: "6.6.71",
      machine: "x86_64",
      btf: true,
      tracerPresent: false,
      capEff: "000000c000000000",
    });
    expect(parsePreflight("garbage")).toEqual({
      kernel: null,
      machine: null,
      btf: null,
      tracerPresent: null,
      capEff: null,
    });
  });
  test("preflight assessment: kernel support and the capability audit", () => {
    const pre = { kernel: "6.6.71", machine: "x86_64", btf: true, tracerPresent: true, capEff: "000000c000200000" };
    expect(assessPreflight(pre, ["fentry"], false)).toEqual({
      architecture: "amd64",
      kernelSupported: true,
      minimumKernel: "5.8 on amd64",
      effectiveCapabilities: ["SYS_ADMIN", "PERFMON", "BPF"],
      requiredCapabilities: ["BPF", "PERFMON"],
      excessCapabilities: ["SYS_ADMIN"],
      warnings: ["capabilities beyond what this kernel needs for fentry: SYS_ADMIN"],
    });
    expect(assessPreflight({ ...pre, kernel: "5.4.0", capEff: "0000000000000000" }, ["fentry"], false)).toMatchObject({
      kernelSupported: false,
      warnings: [expect.stringMatching(/requires .*BPF.*which the container lacks/)],
    });
    expect(assessPreflight({ ...pre, machine: "s390x", kernel: null, capEff: null }, ["fentry"], false)).toMatchObject({
      architecture: "s390x",
      kernelSupported: false,
      warnings: ["could not read CapEff from /proc/self/status"],
    });
  });
  test("targets", () => {
    expect(parseTarget("10.0.0.1:443")).toEqual({ host: "10.0.0.1", port: 443 });
    expect(parseTarget("example.com:80")).toEqual({ host: "example.com", port: 80 });
    for (const bad of ["10.0.0.1", "10.0.0.1:0", "10.0.0.1:70000", "[::1]:80", "a b:80"]) {
      expect(() => parseTarget(bad)).toThrow(/^target: .* is not accepted; expected host:port/);
    }
  });
  test("options name the bad input", () => {
    expect(() => resolveOptions({ namespace: "Bad", deployment: "d" })).toThrow(/namespace: "Bad" is not accepted/);
    expect(() => resolveOptions({ namespace: "n", deployment: "d", eventTimeoutMs: -1 })).toThrow(
      /eventTimeoutMs: -1 is not accepted/,
    );
    expect(() => resolveOptions({ namespace: "n", deployment: "d", probeKinds: ["uprobe" as never] })).toThrow(
      /probeKinds: "uprobe" is not accepted; expected one of: fentry/,
    );
    expect(resolveOptions({ namespace: "n", deployment: "d", randomPort: () => 23000 })).toMatchObject({
      host: "127.0.0.1",
      port: 23000,
      attachTimeoutMs: 30000,
    });
  });
});

describe("exec channel text", () => {
  async function through(frames: Buffer[]): Promise<string[]> {
    const got: string[] = [];
    const sink = textSink((t) => got.push(t));
    for (const f of frames)
      await new Promise<void>((resolve, reject) => sink.write(f, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => sink.end(resolve));
    return got;
  }

  it("keeps a multi-byte character whole when a frame boundary cuts it", async () => {
    const text = "2024/12/17 08:40:49 né-café 🐝 10.0.0.1 1234 -> 10.0.0.2 80\n";
    const bytes = Buffer.from(text, "utf8");
    // Every cut point, so each character's bytes are split once.
    for (let cut = 1; cut < bytes.length; cut++) {
      expect((await through([bytes.subarray(0, cut), bytes.subarray(cut)])).join("")).toBe(text);
    }
  });

  it("passes invalid bytes on as U+FFFD once, and nothing for empty frames", async () => {
    expect(await through([Buffer.from([0x61, 0xff, 0x62]), Buffer.alloc(0)])).toEqual(["a\ufffdb"]);
    expect(await through([Buffer.from([0xe2, 0x82])])).toEqual(["\ufffd"]);
  });
});
