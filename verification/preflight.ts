/**
 * Preflight in the pod: one shell script prints the kernel, machine, BTF, tracer and CapEff as
 * `key=value` lines; the parser reads them back and the assessment compares them with the
 * capability model (pure, never throw).
 */
import {
  decodeCapabilityMask,
  excessCapabilities,
  minimumKernelFor,
  requiredCapabilities,
  ProbeKind,
} from "../core/capabilities";
import { parseKernelRelease, architectureFromMachine, kernelAtLeast } from "../core/kernel";

export const PREFLIGHT_SCRIPT = [
  'echo "kernel=$(uname -r)"',
  'echo "machine=$(uname -m)"',
  'if [ -e "$1" ]; then echo btf=yes; else echo btf=no; fi',
  'if [ -x "$0" ]; then echo tracer=yes; else echo tracer=no; fi',
  'while read -r k v; do if [ "$k" = "CapEff:" ]; then echo "capeff=$v"; fi; done < /proc/self/status',
].join("\n");

export interface Preflight {
  kernel: string | null;
  machine: string | null;
  btf: boolean | null;
  tracerPresent: boolean | null;
  capEff: string | null;
}

export function parsePreflight(stdout: string): Preflight {
  const values: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) values[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const yesNo = (v: string | undefined) => (v === "yes" ? true : v === "no" ? false : null);
  return {
    kernel: values.kernel || null,
    machine: values.machine || null,
    btf: yesNo(values.btf),
    tracerPresent: yesNo(values.tracer),
    capEff: values.capeff && /^[0-9a-fA-F]{1,16}$/.test(values.capeff) ? values.capeff : null,
  };
}

export interface PreflightAssessment {
  /** amd64 / arm64 (or `uname -m` when neither). */
  architecture: string | null;
  /** Whether the kernel runs these probe kinds; undefined when the release could not be read. */
  kernelSupported: boolean | undefined;
  /** `<version> on <architecture>`, for the failure message. */
  minimumKernel: string | undefined;
  effectiveCapabilities: string[];
  requiredCapabilities: string[];
  excessCapabilities: string[];
  warnings: string[];
}

/** Kernel support and the runtime least-privilege audit from what the preflight read. */
export function assessPreflight(
  pre: Preflight,
  probeKinds: readonly ProbeKind[],
  minimizeCapabilities: boolean,
): PreflightAssessment {
  const out: PreflightAssessment = {
    architecture: null,
    kernelSupported: undefined,
    minimumKernel: undefined,
    effectiveCapabilities: [],
    requiredCapabilities: [],
    excessCapabilities: [],
    warnings: [],
  };
  const arch = pre.machine ? architectureFromMachine(pre.machine) : undefined;
  out.architecture = arch ?? pre.machine;
  const kernel = pre.kernel ? parseKernelRelease(pre.kernel) : undefined;
  if (kernel) {
    const minimum = minimumKernelFor(probeKinds, arch ?? "amd64");
    out.minimumKernel = `${minimum} on ${arch ?? pre.machine ?? "this architecture"}`;
    out.kernelSupported = arch !== undefined && kernelAtLeast(kernel, minimum);
  } else if (pre.machine && !arch) {
    out.kernelSupported = false;
  } else {
    out.warnings.push(`could not parse the kernel release ${JSON.stringify(pre.kernel)}`);
  }
  if (!pre.capEff) {
    out.warnings.push("could not read CapEff from /proc/self/status");
    return out;
  }
  out.effectiveCapabilities = decodeCapabilityMask(pre.capEff);
  const k = kernel ?? "unknown";
  // Minimization needs SETPCAP, which the model grants for it: not an excess then.
  const grants = { minimizeCapabilities };
  out.requiredCapabilities = requiredCapabilities(probeKinds, k, grants);
  out.excessCapabilities = excessCapabilities(out.effectiveCapabilities, probeKinds, k, grants);
  const missing = out.requiredCapabilities.filter((c) => !out.effectiveCapabilities.includes(c));
  if (missing.length > 0)
    out.warnings.push(`the capability model requires ${missing.join(", ")}, which the container lacks`);
  if (out.excessCapabilities.length > 0) {
    out.warnings.push(
      `capabilities beyond what this kernel needs for ${probeKinds.join(", ")}: ${out.excessCapabilities.join(", ")}`,
    );
  }
  return out;
}
