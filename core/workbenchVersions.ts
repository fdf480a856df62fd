/**
 * The workbench image's pinned versions as a type, their checks, and what follows from them (the
 * Dockerfile's build args, the default tag, Go version arithmetic). Pure: the table itself is data
 * beside the Dockerfile (images/ebpf-workbench/versions.json, loaded by versions.ts there), passed in.
 */
import type { Architecture } from "./kernel";

export interface PinnedVersions {
  /** Base image reference (Alibaba Cloud Linux 3), pinned by tag or digest, never `latest`. */
  baseImage: string;
  go: {
    /** A Go release, e.g. `1.27.2`. */
    version: string;
    /** sha256 of the official `go<version>.linux-<arch>.tar.gz`, per architecture. */
    sha256: Record<Architecture, string>;
  };
  ciliumEbpf: {
    /** A release tag, e.g. `v0.20.0`. */
    tag: string;
    /** The `go` directive of the tag's go.mod. */
    goDirective: string;
    /** Whether examples/ has a go.mod of its own (its `go` directive would have to be satisfied too). */
    examplesGoMod: boolean;
  };
  /** Where the build fetches from by default. */
  upstream: Mirrors;
  /** Mirrors that users in mainland China need (docs/design.md#acs-facts). */
  mainlandChinaMirrors: Omit<Mirrors, "ciliumEbpfGitUrl">;
}

/** The download locations the build can be pointed at. */
export interface Mirrors {
  /** Base URL of the Go tarballs: `<base>/go<version>.linux-<arch>.tar.gz`. */
  goDownloadBaseUrl: string;
  /** GOPROXY for module downloads. */
  goproxy: string;
  /** Git URL of cilium/ebpf. */
  ciliumEbpfGitUrl: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
const GO_RELEASE = /^1\.\d+\.\d+$/;
const RELEASE_TAG = /^v\d+\.\d+\.\d+$/;

/** Checks the table's shape, so a typo in a bump fails in the tests, not in a 10-minute build. */
export function checkVersions(v: PinnedVersions): PinnedVersions {
  const problems: string[] = [];
  if (!v.baseImage || /:latest$/.test(v.baseImage) || !/[:@]/.test(v.baseImage.split("/").pop() ?? "")) {
    problems.push(`baseImage ${JSON.stringify(v.baseImage)} must be pinned by a tag other than latest, or by digest`);
  }
  if (!GO_RELEASE.test(v.go.version))
    problems.push(`go.version ${JSON.stringify(v.go.version)} must be a release like 1.27.2`);
  for (const arch of ["amd64", "arm64"] as const) {
    if (!SHA256.test(v.go.sha256?.[arch] ?? "")) problems.push(`go.sha256.${arch} must be 64 lowercase hex characters`);
  }
  if (!RELEASE_TAG.test(v.ciliumEbpf.tag))
    problems.push(`ciliumEbpf.tag ${JSON.stringify(v.ciliumEbpf.tag)} must be a release tag like v0.20.0`);
  if (!/^1\.\d+(\.\d+)?$/.test(v.ciliumEbpf.goDirective))
    problems.push(`ciliumEbpf.goDirective ${JSON.stringify(v.ciliumEbpf.goDirective)} must look like 1.24 or 1.24.0`);
  if (problems.length > 0) throw new Error(`images/ebpf-workbench/versions.json: ${problems.join("; ")}`);
  return v;
}

/**
 * The Dockerfile's build args for the pinned versions and the given mirrors (default: upstream).
 * Names are the Dockerfile's ARG names.
 */
export function workbenchBuildArgs(
  mirrors: Partial<Mirrors>,
  versions: PinnedVersions,
  options: { yumUpdate?: boolean } = {},
): Record<string, string> {
  const v = versions;
  return {
    BASE_IMAGE: v.baseImage,
    GO_VERSION: v.go.version,
    GO_SHA256_AMD64: v.go.sha256.amd64,
    GO_SHA256_ARM64: v.go.sha256.arm64,
    GO_DOWNLOAD_BASE_URL: mirrors.goDownloadBaseUrl ?? v.upstream.goDownloadBaseUrl,
    GOPROXY: mirrors.goproxy ?? v.upstream.goproxy,
    CILIUM_EBPF_GIT_URL: mirrors.ciliumEbpfGitUrl ?? v.upstream.ciliumEbpfGitUrl,
    CILIUM_EBPF_TAG: v.ciliumEbpf.tag,
    CILIUM_EBPF_GO_DIRECTIVE: v.ciliumEbpf.goDirective,
    YUM_UPDATE: options.yumUpdate ? "true" : "false",
  };
}

/** A tag that names what the image holds, e.g. `go1.27.2-cilium-ebpf-v0.20.0-amd64`. */
export function defaultImageTag(architecture: Architecture, versions: PinnedVersions): string {
  return `go${versions.go.version}-cilium-ebpf-${versions.ciliumEbpf.tag}-${architecture}`;
}

/** A Go version as numbers: `1.24` → [1, 24, 0]; release candidates are not pinned here. */
export function parseGoVersion(version: string): [number, number, number] {
  const m = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version.trim());
  if (!m) throw new Error(`not a Go version: ${JSON.stringify(version)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Whether a Go toolchain of `goVersion` satisfies a go.mod `go <directive>` line (with GOTOOLCHAIN=local). */
export function goSatisfies(goVersion: string, directive: string): boolean {
  const have = parseGoVersion(goVersion);
  const need = parseGoVersion(directive);
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}
