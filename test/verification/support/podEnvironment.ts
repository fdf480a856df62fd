/**
 * The fake pod's "node": the stand-in tracer, a fake `uname` first in PATH, and the connect tap
 * (connect-tap.c, compiled once per test run with the machine's C compiler) preloaded into every
 * process, writing to a per-pod events file that the stand-in tracer reads.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const SUPPORT_DIR = __dirname;
export const STAND_IN_TRACER = path.join(__dirname, "fake-fentry-tcp-connect");

export interface PodEnvironment {
  dir: string;
  /** Environment for a pod; `events` file is per pod. */
  env(pod: string, extra?: Record<string, string>): Record<string, string>;
  /** A file that exists (stands for /sys/kernel/btf/vmlinux). */
  btfPath: string;
  cleanup(): void;
}

export function preparePodEnvironment(): PodEnvironment {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-verify-"));
  const tap = path.join(dir, "connect-tap.so");
  execFileSync("cc", ["-shared", "-fPIC", "-O1", "-o", tap, path.join(__dirname, "connect-tap.c"), "-ldl"], {
    stdio: "pipe",
  });
  const btfPath = path.join(dir, "vmlinux");
  fs.writeFileSync(btfPath, "BTF");
  return {
    dir,
    btfPath,
    env(pod, extra = {}) {
      return {
        PATH: `${path.join(__dirname, "fakebin")}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        LD_PRELOAD: tap,
        ACS_EBPF_FAKE_KERNEL_EVENTS: path.join(dir, `${pod}.events`),
        ...extra,
      };
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
