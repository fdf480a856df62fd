import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inParallel, parseKernelsArgs } from "../../kernels/cli";
import { KERNEL_PACKAGES, debianArchiveUri } from "../../kernels/debianPackages";
import { buildCpio } from "../../kernels/initramfs";
import { matrixRows } from "../../kernels/matrix";
import { matrixCommand } from "../../kernels/runMatrix";
import { shellQuote } from "../../kernels/shell";
import { bundleApiServer } from "../../kernels/verifyInGuest";

describe("the Debian archive comes from the machine's apt sources", () => {
  test("deb822: the first enabled deb stanza that is not the security archive", () => {
    const sources = [
      "Types: deb",
      "URIs: http://mirror.example/debian",
      "Suites: bookworm bookworm-updates",
      "Components: main",
      "",
      "Types: deb",
      "URIs: http://mirror.example/debian-security",
      "Suites: bookworm-security",
    ].join("\n");
    expect(debianArchiveUri([{ name: "/etc/apt/sources.list.d/debian.sources", text: sources }])).toBe(
      "http://mirror.example/debian",
    );
    const security = sources.split("\n\n")[1];
    expect(debianArchiveUri([{ name: "x.sources", text: security }])).toBeUndefined();
    expect(
      debianArchiveUri([
        { name: "x.sources", text: "Types: deb\nEnabled: no\nURIs: http://a/debian\nSuites: bookworm" },
      ]),
    ).toBeUndefined();
  });
  test("one-line sources.list, with options and comments", () => {
    const text =
      "# deb http://old/debian buster main\ndeb-src http://src/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main\n";
    expect(debianArchiveUri([{ name: "/etc/apt/sources.list", text }])).toBe("http://mirror.example/debian");
  });
  test("the kernel table pins a sha256 and the suite for every row", () => {
    for (const k of KERNEL_PACKAGES) {
      expect(k.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(k.package).toContain(k.release.replace(/-unsigned$/, ""));
      expect(["bullseye", "bookworm", "trixie"]).toContain(k.suite);
    }
  });
});

describe("initramfs (newc cpio)", () => {
  test("headers, parent directories, 4-byte alignment and the trailer", () => {
    const cpio = buildCpio([
      { path: "/guest/command", type: "file", data: Buffer.from("echo hi\n"), mode: 0o755 },
      { path: "/bin/sh", type: "symlink", target: "busybox" },
    ]);
    const text = cpio.toString("latin1");
    expect(text.startsWith("070701")).toBe(true);
    expect(cpio.length % 4).toBe(0);
    const names = [...text.matchAll(/070701[0-9a-f]{104}([^\0]+)\0/g)].map((m) => m[1]);
    expect(names).toEqual(["guest", "guest/command", "bin", "bin/sh", "TRAILER!!!"]);
    // guest/command: regular file 0755, size 8
    const header = text.slice(text.indexOf("guest/command") - 110, text.indexOf("guest/command"));
    expect(parseInt(header.slice(14, 22), 16)).toBe(0o100755);
    expect(parseInt(header.slice(54, 62), 16)).toBe(8);
  });
  test("refuses paths that climb out", () => {
    expect(() => buildCpio([{ path: "/a/../etc/passwd", type: "dir" }])).toThrow(/without \.\./);
  });
});

describe("npm run kernels arguments", () => {
  test("filters by release prefix and probe", () => {
    expect(parseKernelsArgs(["--json", "--kernel", "6.1", "--probe=xdp", "--arch", "arm64"])).toEqual({
      json: true,
      kernels: ["6.1.0-50-cloud-amd64", "6.1.0-50-cloud-arm64"],
      probes: ["xdp"],
      arches: ["arm64"],
    });
  });
  test("bad values name the flag, the value and what is accepted", () => {
    expect(() => parseKernelsArgs(["--kernel", "4.19"])).toThrow(
      /--kernel: "4.19" is not accepted; expected one of 5\.10/,
    );
    expect(() => parseKernelsArgs(["--probe", "uprobe"])).toThrow(
      /--probe: "uprobe" is not accepted; expected one of fentry, kprobe, tracepoint, xdp, tcx/,
    );
    expect(() => parseKernelsArgs(["--probe"])).toThrow(/--probe: \(not set\)/);
    expect(() => parseKernelsArgs(["--fast"])).toThrow(/--fast: unknown argument/);
    expect(() => parseKernelsArgs(["--arch", "riscv64"])).toThrow(
      /--arch: "riscv64" is not accepted; expected one of amd64, arm64/,
    );
  });
});

test("the guest command runs one quoted row per matrix row", () => {
  const rows = matrixRows("xdp", "6.1.0-50-cloud-amd64", "amd64").slice(0, 1);
  const cmd = matrixCommand(rows);
  expect(cmd).toContain(
    "row 'xdp/model' 'BPF,NET_ADMIN' '1' 'runtime-default' 'default' 'nc -w 1 127.0.0.1 9 </dev/null; nc -w 1 127.0.0.1 9 </dev/null' '--' '/usr/local/bin/xdp' 'lo'",
  );
  expect(shellQuote("it's")).toBe(`'it'\\''s'`);
});

test("inParallel keeps the items' order and never runs more than the limit at once", async () => {
  let running = 0;
  let peak = 0;
  const out = await inParallel([30, 5, 20, 1, 10], 2, async (ms) => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return ms * 2;
  });
  expect(out).toEqual([60, 10, 40, 2, 20]);
  expect(peak).toBe(2);
});

test("the guest's API server bundle pulls in no module that runs as a program when bundled", () => {
  // In an esbuild bundle `require.main === module` holds for every module: a CLI's main (e.g.
  // verification/selftestScript.ts, reached once through runMatrix.ts) would run in the guest.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api-bundle-"));
  try {
    expect(bundleApiServer(dir).toString("utf8")).not.toContain("require.main === module");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
