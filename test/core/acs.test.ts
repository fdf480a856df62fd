import { billedPodSize, checkComputeLabels, parseCpu, parseMemory } from "../../core/acs";

const GiB = 1024 ** 3;

describe("ACS pod sizes", () => {
  test.each<[string, string, [number, number]]>([
    ["0.1", "512Mi", [0.25, 1]],
    ["250m", "2Gi", [0.25, 2]],
    ["300m", "1Gi", [0.5, 1]],
    ["1", "2Gi", [1, 2]],
    ["1.2", "1Gi", [1.5, 2]],
    ["2", "4Gi", [2, 4]],
    ["2", "1Gi", [2, 2]],
    ["1", "9Gi", [1.5, 9]],
    ["16", "128Gi", [16, 128]],
  ])("cpu %s, memory %s → %j", (cpu, memory, [billedCpu, billedMem]) => {
    expect(billedPodSize(parseCpu(cpu)!, parseMemory(memory)!)).toEqual({ cpu: billedCpu, memoryGiB: billedMem });
  });
  test.each([
    [
      17,
      4 * GiB,
      /^cpu: 17 is not accepted \(no ACS pod size has more than 16 vCPU\); expected at most 16 vCPU and 128 GiB/,
    ],
    [
      1,
      129 * GiB,
      /^memory: 138512695296 is not accepted \(no ACS pod size has more than 128 GiB\); expected at most 16 vCPU and 128 GiB/,
    ],
  ])("cpu %s / %s bytes fits no size: the request out of range is named", (cpu, memory, message) => {
    expect(() => billedPodSize(cpu, memory)).toThrow(message);
  });
});

describe("quantities", () => {
  test.each([
    ["500m", 0.5],
    ["2", 2],
    [".5", 0.5],
    ["0", undefined],
    ["1 cpu", undefined],
    ["-1", undefined],
  ])("cpu %s", (q, v) => expect(parseCpu(q)).toBe(v));
  test.each([
    ["4Gi", 4 * GiB],
    ["512Mi", 512 * 1024 ** 2],
    ["1G", 1e9],
    ["1073741824", GiB],
    ["4GB", undefined],
    ["", undefined],
  ])("memory %s", (q, v) => expect(parseMemory(q)).toBe(v));
});

describe("compute labels", () => {
  test.each<[string | undefined, string | undefined, number]>([
    ["general-purpose", "default", 0],
    ["performance", "best-effort", 0],
    ["gpu", "best-effort", 0],
    ["gpu-hpn", "default", 0],
    ["gpu-hpn", "best-effort", 1],
    ["general-purpose", "guaranteed", 1],
    ["burstable", "default", 1],
    [undefined, undefined, 0],
  ])("%s / %s → %i errors", (cls, qos, count) => expect(checkComputeLabels(cls, qos)).toHaveLength(count));
});
