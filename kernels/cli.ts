/**
 * `npm run kernels [-- --json] [--kernel RELEASE] [--probe NAME] [--arch A]`: boots each Debian kernel of
 * kernels/packages.json in a qemu TCG guest, runs the capability matrix of every probe there
 * under the rendered Deployment's confinement and, in the same boot (amd64), the in-image self-test
 * as the rendered sidecar's startupProbe; then the verification chain against the real tracer in a
 * guest. Exit 0 only when every outcome is what the capability model says.
 * Cache: ${ACS_EBPF_CACHE:-~/.cache/acs-ebpf}/kernels.
 */
import * as os from "os";
import * as path from "path";
import { ARCHITECTURES, Architecture, parseKernelRelease } from "../core/kernel";
import { buildGuestBinaries } from "./goBuilds";
import { KERNEL_PACKAGES } from "./debianPackages";
import { QEMU, prepareKernels } from "./guest";
import { command, requirePrerequisites } from "../testing/prerequisites";
import { PROBE_NAMES, ProbeName, matrixRows, probesFor } from "./matrix";
import { MatrixResult, allMatch, formatTable, formatVerify } from "./results";
import { runKernelMatrix } from "./runMatrix";
import { SelftestResult, formatSelftest, selftestCases } from "./selftest";
import { VerifyOutcome, verifyInGuest } from "./verifyInGuest";

export interface KernelsArgs {
  json: boolean;
  kernels: string[];
  probes: ProbeName[];
  arches: Architecture[];
}

/**
 * Probes per architecture when --probe is not given: arm64 differs from amd64 in the model only for
 * fentry (6.4), and its emulation is the slowest part, so it runs just that.
 */
export const DEFAULT_PROBES: Readonly<Record<Architecture, readonly ProbeName[]>> = {
  amd64: PROBE_NAMES,
  arm64: ["fentry"],
};

/** The go line of kernels/go/go.mod, for the prerequisite message. */
const GO_FOR_HELP = "1.24";

const USAGE = "Usage: npm run kernels [-- --json] [--kernel RELEASE]... [--probe NAME]... [--arch amd64|arm64]...";

export function parseKernelsArgs(argv: readonly string[]): KernelsArgs {
  const out: KernelsArgs = { json: false, kernels: [], probes: [], arches: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "")
        throw new Error(`${flag}: (not set) is not accepted; expected a value\n${USAGE}`);
      return v;
    };
    if (flag === "--json" && inline === undefined) out.json = true;
    else if (flag === "--kernel") {
      const v = value();
      const known = KERNEL_PACKAGES.map((k) => k.release);
      const match = known.filter((k) => k === v || k.startsWith(`${v}.`) || k.startsWith(`${v}-`));
      if (match.length === 0)
        throw new Error(
          `--kernel: ${JSON.stringify(v)} is not accepted; expected one of ${known.join(", ")} (or a prefix such as 6.1)`,
        );
      out.kernels.push(...match);
    } else if (flag === "--probe") {
      const v = value();
      if (!(PROBE_NAMES as string[]).includes(v))
        throw new Error(`--probe: ${JSON.stringify(v)} is not accepted; expected one of ${PROBE_NAMES.join(", ")}`);
      out.probes.push(v as ProbeName);
    } else if (flag === "--arch") {
      const v = value();
      if (!(ARCHITECTURES as readonly string[]).includes(v))
        throw new Error(`--arch: ${JSON.stringify(v)} is not accepted; expected one of ${ARCHITECTURES.join(", ")}`);
      out.arches.push(v as Architecture);
    } else throw new Error(`${argv[i]}: unknown argument\n${USAGE}`);
  }
  return out;
}

/** Runs `work` over `items`, at most `limit` at a time; results in the items' order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function cacheDir(): string {
  return path.join(process.env.ACS_EBPF_CACHE ?? path.join(os.homedir(), ".cache", "acs-ebpf"), "kernels");
}

async function main(argv: string[]): Promise<number> {
  let args: KernelsArgs;
  try {
    args = parseKernelsArgs(argv);
  } catch (err) {
    console.error(`kernels: ${(err as Error).message}`);
    return 2;
  }
  const log = (line: string) => console.error(line);
  const started = Date.now();
  const cache = cacheDir();
  const packages = KERNEL_PACKAGES.filter(
    (k) =>
      (args.kernels.length === 0 || args.kernels.includes(k.release)) &&
      (args.arches.length === 0 || args.arches.includes(k.arch as Architecture)),
  );
  requirePrerequisites("npm run kernels", [
    ...[...new Set(packages.map((k) => k.arch))].map((a) => command(QEMU[a].binary, `apt-get install ${QEMU[a].apt}`)),
    command("go", `install Go ${GO_FOR_HELP} or newer and put its bin/ on PATH`),
    command("xz", "apt-get install xz-utils"),
  ]);
  const kernels = prepareKernels(cache, packages, log);
  const bins = new Map(
    [...new Set(packages.map((k) => k.arch as Architecture))].map((a) => [a, buildGuestBinaries(cache, a, log)]),
  );
  // Each guest is one single-threaded TCG process: boot as many at once as there are CPUs.
  const parallel = Math.max(1, os.cpus().length);
  const matrices = await inParallel(kernels, parallel, (kernel) => {
    const arch = kernel.package.arch as Architecture;
    const release = parseKernelRelease(kernel.package.release)!;
    const probes = probesFor(release, args.probes.length ? args.probes : DEFAULT_PROBES[arch]);
    const rows = probes.flatMap((p) => matrixRows(p, kernel.package.release, arch));
    // The self-test runs the fentry tracer with the host's bash and coreutils: amd64 only.
    const selftests = arch === "amd64" && probes.includes("fentry") ? selftestCases(kernel.package.release, arch) : [];
    log(
      `${kernel.package.release}: booting for ${rows.length} rows (${probes.join(", ")})${selftests.length ? ` and ${selftests.length} self-test cases` : ""}`,
    );
    return runKernelMatrix(
      kernel,
      rows,
      bins.get(arch)!,
      path.join(cache, "work", kernel.package.release),
      log,
      selftests,
    );
  });
  const results: MatrixResult[] = matrices.flatMap((m) => m.results);
  const selftest: SelftestResult[] = matrices.flatMap((m) => m.selftest);
  // The verification chain checks the fentry trace: it runs with the matrix unless --probe leaves
  // fentry out; amd64 only (the guest's Node, bash and util-linux are the host's amd64 binaries).
  const verifyKernels =
    args.probes.length === 0 || args.probes.includes("fentry") ? kernels.filter((k) => k.package.arch === "amd64") : [];
  const verified: VerifyOutcome[] = (
    await inParallel(verifyKernels, parallel, (kernel) => {
      log(
        `${kernel.package.release}: booting for the verification chain (npm run verify against the in-guest API server)`,
      );
      return verifyInGuest(
        kernel,
        bins.get("amd64")!,
        cache,
        path.join(cache, "work", `verify-${kernel.package.release}`),
        log,
      );
    })
  ).flat();
  const ok = allMatch(results) && verified.every((v) => v.ok) && selftest.every((s) => s.ok);
  if (args.json) console.log(JSON.stringify({ results, selftest }, null, 2));
  else {
    console.log(formatTable(results));
    console.log(
      `\nself-test (ebpf-selftest as the rendered sidecar's startupProbe, real tracer, same boot):\n${formatSelftest(selftest)}`,
    );
    console.log(`\nverification chain (npm run verify, real tracer, in-guest API server):\n${formatVerify(verified)}`);
    console.log(
      ok
        ? `\nevery outcome matches the capability model (${results.length} rows, ${selftest.length} self-test cases, ${verified.length} verify runs)`
        : "\nMISMATCH: some outcomes differ from the capability model",
    );
  }
  if (args.json) log(`${formatSelftest(selftest)}\n${formatVerify(verified)}`);
  log(`kernels: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`kernels: ${(err as Error).stack ?? err}`);
      process.exit(1);
    },
  );
}
