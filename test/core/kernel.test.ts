import { architectureFromMachine, compareKernel, kernelAtLeast, parseKernelRelease } from "../../core/kernel";

describe("kernel releases", () => {
  test.each([
    ["5.10.134-16.3.al8.x86_64", [5, 10, 134]],
    ["6.6", [6, 6, 0]],
    ["6.1.0-26-amd64", [6, 1, 0]],
    ["4.19.91-27.al7.x86_64", [4, 19, 91]],
    ["6.8.0+", [6, 8, 0]],
  ])("%s", (release, [major, minor, patch]) => {
    expect(parseKernelRelease(release)).toEqual({ major, minor, patch, release });
  });
  test.each(["", "unknown", "5", "v5.10", "5.10 extra", "5.x"])("%j is not a release", (text) => {
    expect(parseKernelRelease(text)).toBeUndefined();
  });
  test("comparison is numeric, not lexical", () => {
    expect(compareKernel(parseKernelRelease("5.10.0")!, parseKernelRelease("5.8.0")!)).toBeGreaterThan(0);
    expect(kernelAtLeast(parseKernelRelease("5.11.0")!, "5.11")).toBe(true);
    expect(kernelAtLeast(parseKernelRelease("5.10.999")!, "5.11")).toBe(false);
  });
  test.each([
    ["x86_64", "amd64"],
    ["aarch64", "arm64"],
    ["riscv64", undefined],
  ])("uname -m %s → %s", (machine, arch) => expect(architectureFromMachine(machine)).toBe(arch));
});
