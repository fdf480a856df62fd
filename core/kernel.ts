/**
 * Kernel versions as the capability model needs them: `uname -r` strings such as
 * `5.10.134-16.3.al8.x86_64` (Alibaba Cloud Linux 3) or `6.6.71`, compared by major.minor.patch.
 */
export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
  /** The string as given, for messages. */
  release: string;
}

/** The node kernel, or `unknown` when the user does not know it before deploying. */
export type Kernel = KernelVersion | "unknown";

/** CPU architectures of the workbench image and the nodes. */
export const Architecture = { amd64: "amd64", arm64: "arm64" } as const;
export type Architecture = (typeof Architecture)[keyof typeof Architecture];
export const ARCHITECTURES: readonly Architecture[] = Object.values(Architecture);

const RELEASE = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-+._~][0-9A-Za-z._~+-]*)?$/;

/** Parses a `uname -r` style release; returns undefined when it is not one. */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const m = RELEASE.exec(release.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), release: release.trim() };
}

/** Negative when a < b, zero when equal, positive when a > b (major.minor.patch only). */
export function compareKernel(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function kernelAtLeast(kernel: KernelVersion, minimum: string): boolean {
  const min = parseKernelRelease(minimum);
  if (!min) throw new Error(`bad minimum kernel ${minimum}`);
  return compareKernel(kernel, min) >= 0;
}

/** `uname -m` → the image/Kubernetes architecture name. */
export function architectureFromMachine(machine: string): Architecture | undefined {
  switch (machine.trim()) {
    case "x86_64":
    case "amd64":
      return "amd64";
    case "aarch64":
    case "arm64":
      return "arm64";
    default:
      return undefined;
  }
}
