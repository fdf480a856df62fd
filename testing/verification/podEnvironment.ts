/**
 * The fake pod's "node": the stand-in tracer, a fake `uname` first in PATH, and a connect tap that
 * writes one line per IPv4 TCP connect to a per-pod events file, which the stand-in tracer reads.
 *
 * Two kinds of node:
 *   - "portable": any user, no C compiler. The tap is a `bash` on the pod's PATH (fakebin-portable)
 *     that sees the check's own connection (`timeout 5 bash -c 'exec 3<>/dev/tcp/...'`) but not its
 *     source port, nor a connect a script makes inline (the in-image self-test's). The stand-in
 *     tracer's capabilities are the declared set (`declaredCapabilities`, default every capability),
 *     not the process's; the check's preflight still reads the real CapEff, so a test on this node
 *     asserts nothing about the capability audit.
 *   - "native": root and a C compiler. The tap is connect-tap.c (compiled once per run, preloaded
 *     into every process), and the stand-in tracer reads its real CapEff, which FakePod.capabilities
 *     confines with `setpriv` (fakeCluster.ts). `npm run test:integration` runs on this node.
 *
 * The stand-in tracer's capability outcomes copy the model's rules (see fake-fentry-tcp-connect),
 * so a test using it checks the plumbing around the tracer, not the capability model; the model is
 * tested on real kernels by `npm run kernels`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CAPABILITY_BITS } from "../../core/capabilities";

export const SUPPORT_DIR = __dirname;
export const STAND_IN_TRACER = path.join(__dirname, "fake-fentry-tcp-connect");

export type FakeNode = "portable" | "native";

export interface PodEnvironment {
  node: FakeNode;
  dir: string;
  /** Environment for a pod; `events` file is per pod. */
  env(pod: string, extra?: Record<string, string>): Record<string, string>;
  /** A file that exists (stands for /sys/kernel/btf/vmlinux). */
  btfPath: string;
  cleanup(): void;
}

/** The environment that makes the stand-in tracer on a portable node run with exactly these capabilities. */
export function declaredCapabilities(names: readonly string[]): Record<string, string> {
  let mask = 0n;
  for (const name of names) {
    const bit = CAPABILITY_BITS.indexOf(name);
    if (bit < 0) throw new Error(`declaredCapabilities: "${name}" is not a capability name`);
    mask |= 1n << BigInt(bit);
  }
  return { FAKE_TRACER_CAPEFF: mask.toString(16).padStart(16, "0") };
}

const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function preparePodEnvironment(node: FakeNode): PodEnvironment {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-verify-"));
  const btfPath = path.join(dir, "vmlinux");
  fs.writeFileSync(btfPath, "BTF");
  let nodeEnv: Record<string, string>;
  if (node === "native") {
    const tap = path.join(dir, "connect-tap.so");
    execFileSync("cc", ["-shared", "-fPIC", "-O1", "-o", tap, path.join(__dirname, "connect-tap.c"), "-ldl"], {
      stdio: "pipe",
    });
    nodeEnv = { PATH: `${path.join(__dirname, "fakebin")}:${SYSTEM_PATH}`, LD_PRELOAD: tap };
  } else {
    nodeEnv = {
      PATH: `${path.join(__dirname, "fakebin-portable")}:${path.join(__dirname, "fakebin")}:${SYSTEM_PATH}`,
      ...declaredCapabilities(CAPABILITY_BITS),
    };
  }
  return {
    node,
    dir,
    btfPath,
    env(pod, extra = {}) {
      return { ...nodeEnv, ACS_EBPF_FAKE_KERNEL_EVENTS: path.join(dir, `${pod}.events`), ...extra };
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
