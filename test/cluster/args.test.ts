import { parseClusterArgs } from "../../cluster/args";

const KERNELS = ["6.12", "5.10"];
const SCENARIOS = ["deployment-placement", "destroy"];
const parse = (argv: string[]) => parseClusterArgs(argv, KERNELS, SCENARIOS);

describe("npm run cluster arguments", () => {
  test("defaults: the first kernel, every scenario, text report, the cluster stopped", () => {
    expect(parse([])).toEqual({ kernels: ["6.12"], keep: false, stop: false, json: false, scenarios: [] });
  });

  test("--kernel (both spellings), --json, --keep, --scenario", () => {
    expect(parse(["--kernel", "5.10", "--json", "--keep", "--scenario=destroy"])).toEqual({
      kernels: ["5.10"],
      keep: true,
      stop: false,
      json: true,
      scenarios: ["destroy"],
    });
    expect(parse(["--kernel=6.12"]).kernels).toEqual(["6.12"]);
  });

  test("--all runs every kernel in order", () => {
    expect(parse(["--all"]).kernels).toEqual(["6.12", "5.10"]);
  });

  test.each([
    [["--kernel", "4.19"], "--kernel 4.19: expected one of 6.12, 5.10"],
    [["--kernel"], "--kernel: expected a value"],
    [["--scenario", "chaos"], "--scenario chaos: expected one of deployment-placement, destroy"],
    [["--verbose"], 'unknown argument "--verbose"'],
    [["--json=yes"], '--json takes no value (got "yes")'],
    [["--stop", "--keep"], "--stop ends a kept cluster and runs nothing"],
    [["--keep", "--all"], "--keep leaves one cluster running"],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });
});
