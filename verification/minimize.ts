/** Capability minimization: rerun the trace once per effective capability with it removed. */
import { KNOWN_CAPABILITIES } from "../core/capabilities";
import { FailureKind, tailLines } from "./failures";
import { TraceContext, traceOnce } from "./tracerRun";

interface MinimizationRun {
  removed: string;
  verified: boolean;
  failure: FailureKind | null;
  stderr: string[];
}

export interface MinimizationResult {
  performed: boolean;
  /** Why it was not performed (missing CAP_SETPCAP, first run failed). */
  reason: string | null;
  /** Removing it made the trace fail with `operation not permitted`. */
  necessary: string[];
  /** The trace still worked without it. */
  unnecessary: string[];
  /** Removing it failed for another reason (connection lost, ...): unknown. */
  inconclusive: string[];
  runs: MinimizationRun[];
  /** Caveat on the one-at-a-time method, when it applies (overlapping capabilities). */
  note: string | null;
}

/** Reruns the trace once per effective capability with that capability removed. */
export async function minimize(ctx: TraceContext, effective: readonly string[]): Promise<MinimizationResult> {
  const out: MinimizationResult = {
    performed: false,
    reason: null,
    necessary: [],
    unnecessary: [],
    inconclusive: [],
    runs: [],
    note: null,
  };
  if (!effective.includes("SETPCAP")) {
    out.reason =
      "removing a capability for one run needs CAP_SETPCAP in the container (setpriv --bounding-set drops it from the bounding set; a root process regains everything in it at exec). Grant SETPCAP temporarily to minimize, then remove it.";
    return out;
  }
  out.performed = true;
  for (const cap of effective) {
    if (!KNOWN_CAPABILITIES.has(cap)) continue;
    const run = await traceOnce(ctx, cap);
    out.runs.push({
      removed: cap,
      verified: run.verified,
      failure: run.failure ? run.failure.kind : null,
      stderr: tailLines(run.stderr, 5),
    });
    if (run.verified) out.unnecessary.push(cap);
    else if (run.failure?.kind === "operation-not-permitted") out.necessary.push(cap);
    else out.inconclusive.push(cap);
  }
  const overlapping = effective.includes("BPF") || effective.includes("PERFMON");
  if (out.necessary.includes("SYS_ADMIN") && !overlapping) {
    out.note =
      "SYS_ADMIN was necessary only because BPF and PERFMON are not granted: on kernels >= 5.8 grant BPF and PERFMON instead of SYS_ADMIN (a superset that also grants mount, namespaces and most of root).";
  } else if (
    effective.includes("SYS_ADMIN") &&
    overlapping &&
    !out.necessary.some((c) => c === "SYS_ADMIN" || c === "BPF" || c === "PERFMON")
  ) {
    out.note =
      "capabilities are removed one at a time: SYS_ADMIN covers BPF and PERFMON (and they cover it), so none of them shows as necessary alone. Remove SYS_ADMIN and run the minimization again.";
  }
  return out;
}
