/**
 * `npm run kernels [-- --json] [--kernel RELEASE] [--probe NAME]`: boots each Debian kernel of
 * kernels/packages.json in a qemu TCG guest, runs the capability matrix of every probe there
 * under the rendered Deployment's confinement, then the verification chain against the real
 * tracer in a guest. Exit 0 only when every outcome is what the capability model says.
 * Cache: ${ACS_EBPF_CACHE:-~/.cache/acs-ebpf}/kernels.
 */
import * as os from "os";
import * as path from "path";
import { parseKernelRelease } from "../core/kernel";
import { buildGuestBinaries } from "./goBuilds";
import { KERNEL_PACKAGES } from "./debianPackages";
import { prepareKernels } from "./guest";
import { PROBE_NAMES, ProbeName, matrixRows, probesFor } from "./matrix";
import { MatrixResult, allMatch, formatTable, formatVerify } from "./results";
import { runKernelMatrix } from "./runMatrix";
import { VerifyOutcome, verifyInGuest } from "./verifyInGuest";

export interface KernelsArgs {
  json: boolean;
  kernels: string[];
  probes: ProbeName[];
}

const USAGE = "Usage: npm run kernels [-- --json] [--kernel RELEASE]... [--probe NAME]...";

export function parseKernelsArgs(argv: readonly string[]): KernelsArgs {
  const out: KernelsArgs = { json: false, kernels: [], probes: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag}: (not set) is not accepted; expected a value\n${USAGE}`);
      return v;
    };
    if (flag === "--json" && inline === undefined) out.json = true;
    else if (flag === "--kernel") {
      const v = value();
      const known = KERNEL_PACKAGES.map((k) => k.release);
      const match = known.filter((k) => k === v || k.startsWith(v));
      if (match.length === 0) throw new Error(`--kernel: ${JSON.stringify(v)} is not accepted; expected one of ${known.join(", ")} (or a prefix such as 6.1)`);
      out.kernels.push(...match);
    } else if (flag === "--probe") {
      const v = value();
      if (!(PROBE_NAMES as string[]).includes(v)) throw new Error(`--probe: ${JSON.stringify(v)} is not accepted; expected one of ${PROBE_NAMES.join(", ")}`);
      out.probes.push(v as ProbeName);
    } else throw new Error(`${argv[i]}: unknown argument\n${USAGE}`);
  }
  return out;
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
  const packages = KERNEL_PACKAGES.filter((k) => args.kernels.length === 0 || args.kernels.includes(k.release));
  const kernels = prepareKernels(cache, packages, log);
  const bins = buildGuestBinaries(cache, "amd64", log);
  const results: MatrixResult[] = [];
  for (const kernel of kernels) {
    const release = parseKernelRelease(kernel.package.release)!;
    const probes = probesFor(release, args.probes.length ? args.probes : PROBE_NAMES);
    const rows = probes.flatMap((p) => matrixRows(p, kernel.package.release, "amd64"));
    log(`${kernel.package.release}: booting for ${rows.length} rows (${probes.join(", ")})`);
    results.push(...(await runKernelMatrix(kernel, rows, bins, path.join(cache, "work", kernel.package.release), log)));
  }
  // The verification chain needs Node in a guest (slow under TCG): once, on the newest kernel.
  const verifyOn = args.probes.length === 0 || args.probes.includes("fentry") ? kernels[kernels.length - 1] : undefined;
  const verified: VerifyOutcome[] = [];
  if (verifyOn) {
    log(`${verifyOn.package.release}: booting for the verification chain (npm run verify against the in-guest API server)`);
    verified.push(...(await verifyInGuest(verifyOn, bins, cache, path.join(cache, "work", `verify-${verifyOn.package.release}`), log)));
  }
  const ok = allMatch(results) && verified.every((v) => v.ok);
  if (args.json) console.log(JSON.stringify({ results }, null, 2));
  else {
    console.log(formatTable(results));
    console.log(`\nverification chain (npm run verify, real tracer, in-guest API server):\n${formatVerify(verified)}`);
    console.log(ok ? `\nevery outcome matches the capability model (${results.length} rows, ${verified.length} verify runs)` : "\nMISMATCH: some outcomes differ from the capability model");
  }
  if (args.json) log(formatVerify(verified));
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
