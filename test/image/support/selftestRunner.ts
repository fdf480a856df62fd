/**
 * Runs the in-image self-test (images/ebpf-workbench/ebpf-selftest) on a fake node of
 * testing/verification/podEnvironment.ts, with the stand-in tracer as its "kernel".
 */
import { spawnSync } from "child_process";
import { SELFTEST_SCRIPT_FILE } from "../../../verification/selftestScript";
import {
  preparePodEnvironment,
  FakeNode,
  PodEnvironment,
  STAND_IN_TRACER,
} from "../../../testing/verification/podEnvironment";

export interface SelftestRun {
  code: number | null;
  stdout: string;
  firstLine: string;
}

/** Registers the jest hooks for one fake node; returns the runner. */
export function useSelftest(
  node: FakeNode,
): (pod: string, extra?: Record<string, string>, wrapper?: string[]) => SelftestRun {
  let env: PodEnvironment;
  beforeAll(() => {
    env = preparePodEnvironment(node);
  });
  afterAll(() => env.cleanup());
  return (pod, extra = {}, wrapper = []) => {
    const environment = {
      ...env.env(pod, { FAKE_UNAME_R: "6.6.71-1.al8.x86_64", FAKE_UNAME_M: "x86_64" }),
      EBPF_SELFTEST_TRACER: STAND_IN_TRACER,
      EBPF_SELFTEST_BTF: env.btfPath,
      // Generous where only a failure waits them out (a loaded machine runs the stand-in slowly);
      // the timeout cases set short ones.
      EBPF_SELFTEST_ATTACH_SECONDS: "15",
      EBPF_SELFTEST_EVENT_SECONDS: "15",
      ...extra,
    };
    const [cmd, ...args] = [...wrapper, SELFTEST_SCRIPT_FILE];
    const r = spawnSync(cmd, args, { env: environment, encoding: "utf8", timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, firstLine: r.stdout.split("\n")[0] };
  };
}
