import fc from "fast-check";
import {
  PinnedVersions,
  checkVersions,
  defaultImageTag,
  goSatisfies,
  parseGoVersion,
  workbenchBuildArgs,
} from "../../core/workbenchVersions";
import { PINNED } from "../../images/ebpf-workbench/versions";

describe("go directive comparison", () => {
  test.each([
    ["1.27.2", "1.24.0", true],
    ["1.27.2", "1.27.2", true],
    ["1.27.2", "1.27.3", false],
    ["1.27.2", "1.28", false],
    ["1.24.0", "1.24", true],
    ["1.23.9", "1.24.0", false],
    // String comparison would get these wrong.
    ["1.10.0", "1.9", true],
    ["1.9.7", "1.10", false],
    ["1.22.3", "1.25.0", false],
  ])("go %s satisfies `go %s`: %s", (have, need, expected) => {
    expect(goSatisfies(have, need)).toBe(expected);
  });

  test("agrees with a numeric comparison for any versions", () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(40), fc.nat(20), fc.nat(40), fc.nat(20), (minor1, minor2, patch1, patch2, _) => {
        const expected = minor1 !== minor2 ? minor1 > minor2 : patch1 >= patch2;
        expect(goSatisfies(`1.${minor1}.${patch1}`, `1.${minor2}.${patch2}`)).toBe(expected);
      }),
    );
  });

  test("rejects what is not a version", () => {
    expect(() => parseGoVersion("latest")).toThrow(/not a Go version/);
    expect(() => parseGoVersion("1.x")).toThrow(/not a Go version/);
  });
});

describe("the pinned versions", () => {
  test("the pinned Go satisfies the pinned cilium/ebpf tag's go directive", () => {
    expect(goSatisfies(PINNED.go.version, PINNED.ciliumEbpf.goDirective)).toBe(true);
  });

  test("the examples build in the root module (no go.mod of their own to satisfy)", () => {
    // If a bump brings back examples/go.mod, record its directive and extend this test.
    expect(PINNED.ciliumEbpf.examplesGoMod).toBe(false);
  });

  test("cilium/ebpf is pinned to a release tag, Go to a release", () => {
    expect(PINNED.ciliumEbpf.tag).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(PINNED.go.version).toMatch(/^1\.\d+\.\d+$/);
  });

  test("Go is at least the release that cilium/ebpf main needed (1.25, docs/design.md#the-vendor-document), i.e. not the vendor's 1.22.3", () => {
    expect(goSatisfies(PINNED.go.version, "1.25.0")).toBe(true);
  });

  test("per-architecture checksums are distinct sha256 values", () => {
    expect(PINNED.go.sha256.amd64).toMatch(/^[0-9a-f]{64}$/);
    expect(PINNED.go.sha256.arm64).toMatch(/^[0-9a-f]{64}$/);
    expect(PINNED.go.sha256.amd64).not.toBe(PINNED.go.sha256.arm64);
  });

  test("the table check rejects a floating base image, a short checksum and a branch", () => {
    const bad: PinnedVersions = {
      ...PINNED,
      baseImage: "alibaba-cloud-linux-3-registry.cn-hangzhou.cr.aliyuncs.com/alinux3/alinux3:latest",
      go: { version: "1.27", sha256: { amd64: "abc", arm64: PINNED.go.sha256.arm64 } },
      ciliumEbpf: { ...PINNED.ciliumEbpf, tag: "main" },
    };
    expect(() => checkVersions(bad)).toThrow(/baseImage.*latest.*go\.version.*go\.sha256\.amd64.*ciliumEbpf\.tag/);
    expect(() =>
      checkVersions({
        ...PINNED,
        baseImage: "alibaba-cloud-linux-3-registry.cn-hangzhou.cr.aliyuncs.com/alinux3/alinux3",
      }),
    ).toThrow(/baseImage/);
  });
});

describe("build args", () => {
  test("come from the table, upstream by default", () => {
    expect(workbenchBuildArgs({}, PINNED)).toEqual({
      BASE_IMAGE: PINNED.baseImage,
      GO_VERSION: PINNED.go.version,
      GO_SHA256_AMD64: PINNED.go.sha256.amd64,
      GO_SHA256_ARM64: PINNED.go.sha256.arm64,
      GO_DOWNLOAD_BASE_URL: "https://dl.google.com/go/",
      GOPROXY: "https://proxy.golang.org,direct",
      CILIUM_EBPF_GIT_URL: "https://github.com/cilium/ebpf.git",
      CILIUM_EBPF_TAG: PINNED.ciliumEbpf.tag,
      CILIUM_EBPF_GO_DIRECTIVE: PINNED.ciliumEbpf.goDirective,
      YUM_UPDATE: "false",
    });
  });

  test("mirrors replace only the download locations", () => {
    const args = workbenchBuildArgs({ ...PINNED.mainlandChinaMirrors }, PINNED, { yumUpdate: true });
    expect(args.GO_DOWNLOAD_BASE_URL).toBe("https://mirrors.aliyun.com/golang/");
    expect(args.GOPROXY).toBe("https://mirrors.aliyun.com/goproxy/,direct");
    expect(args.CILIUM_EBPF_GIT_URL).toBe(PINNED.upstream.ciliumEbpfGitUrl);
    expect(args.GO_SHA256_AMD64).toBe(PINNED.go.sha256.amd64);
    expect(args.YUM_UPDATE).toBe("true");
  });

  test("the default tag names the pinned versions and the architecture", () => {
    expect(defaultImageTag("arm64", PINNED)).toBe(`go${PINNED.go.version}-cilium-ebpf-${PINNED.ciliumEbpf.tag}-arm64`);
  });
});
