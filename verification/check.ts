/**
 * The tcp_connect fentry check, over an injected transport (see transport.ts):
 *
 *   1. find a Ready pod of the Deployment (by its selector);
 *   2. preflight in the pod: `uname -r`, `uname -m`, /sys/kernel/btf/vmlinux, CapEff, the tracer;
 *   3. start the prebuilt tracer under `timeout` (it never outlives the check), wait for its header;
 *   4. make one TCP connection from inside the pod (default: an IPv4 loopback port, no network);
 *   5. wait for the event whose comm and destination port match; stop the tracer (SIGINT, then
 *      SIGKILL to its process group);
 *   6. optionally rerun once per effective capability with it removed (`setpriv`), to report
 *      which ones were necessary.
 *
 * This file is the orchestrator; options live in checkOptions.ts, step 2 in preflight.ts,
 * steps 3-5 in tracerRun.ts, step 6 in minimize.ts.
 * Returns a plain, JSON-ready result; failures are classified (failures.ts), never thrown.
 * No classes and no module-level state: the dynamic provider serializes this module.
 */
import { VERIFICATION_CHECK } from "../core/workload";
import { TraceEvent } from "./traceOutput";
import { VerificationFailure, FailureContext, failure, classifyApiError, tailLines } from "./failures";
import { VerificationTransport, PodSummary } from "./transport";
import { CheckOptions, resolveOptions } from "./checkOptions";
import { sleep, errorStatus, errorMessage, runShort } from "./podExec";
import { PREFLIGHT_SCRIPT, Preflight, parsePreflight, assessPreflight } from "./preflight";
import { TracerStop, TraceContext, traceOnce } from "./tracerRun";
import { MinimizationResult, minimize } from "./minimize";

interface TraceTimings {
  /** Check start → a Ready pod was found. */
  podReadyMs: number | null;
  /** Tracer started → header printed (attached). */
  attachMs: number | null;
  /** Connection made → its event reported. */
  eventMs: number | null;
  /** Pod Ready → attached. */
  readyToAttachedMs: number | null;
  /** Attached → event. */
  attachedToEventMs: number | null;
  totalMs: number;
}

export interface CheckResult {
  check: typeof VERIFICATION_CHECK;
  verified: boolean;
  namespace: string;
  deployment: string;
  pod: string | null;
  container: string | null;
  /** `uname -r` in the pod. */
  kernel: string | null;
  /** amd64 / arm64 (or `uname -m` when neither). */
  architecture: string | null;
  btf: boolean | null;
  effectiveCapabilities: string[];
  /** What the capability model requires for this kernel and the probe kinds. */
  requiredCapabilities: string[];
  /** Effective capabilities beyond the model: the runtime least-privilege audit. */
  excessCapabilities: string[];
  target: string;
  matchedEvent: TraceEvent | null;
  sampleEvents: TraceEvent[];
  timings: TraceTimings;
  tracerStop: TracerStop | null;
  warnings: string[];
  minimization: MinimizationResult | null;
  failure: VerificationFailure | null;
}

function emptyTimings(start: number): TraceTimings {
  return {
    podReadyMs: null,
    attachMs: null,
    eventMs: null,
    readyToAttachedMs: null,
    attachedToEventMs: null,
    totalMs: Date.now() - start,
  };
}

function selectorFromOptions(options: CheckOptions): string | undefined {
  return options.labelSelector && options.labelSelector.trim() !== "" ? options.labelSelector : undefined;
}

/**
 * What ended a failed trace, once the pod is looked up again: a pod that is gone or terminating was
 * deleted under the trace (the tracer killed with its container: exit 137), not the tracer's own
 * failure; a stream lost without an exit status while the API server answers again was dropped
 * between the API server and the pod's kubelet (a kubelet restart), not "the API server connection".
 * Keeps what the trace saw; null when the first classification stands.
 */
async function explainEndedTrace(
  t: VerificationTransport,
  namespace: string,
  selector: string,
  pod: string,
  run: { failure: VerificationFailure | null; stderr: string[]; exitedEarly: number | null },
  ctx: FailureContext,
): Promise<VerificationFailure | null> {
  let now: PodSummary | undefined;
  try {
    now = (await t.listPods(namespace, selector)).find((p) => p.name === pod);
  } catch {
    return null;
  }
  const first = run.failure;
  if (now && !now.deleting) {
    // The tracer exits 0 only when signalled to stop (SIGINT/SIGTERM): attached and then 0 before
    // the check stopped it means its exec session was ended from outside (a kubelet shutting down
    // ends the sessions it proxies that way, seen on the real node).
    const stoppedFromOutside = first?.kind === "tracer-exited" && run.exitedEarly === 0;
    if (first?.kind !== "connection-lost" && !stoppedFromOutside) return null;
    return failure("exec-lost", {
      context: ctx,
      tracerStderr: run.stderr,
      details: [
        `pod ${pod} is still there and the API server answers (list pods)`,
        ...(stoppedFromOutside
          ? ["the tracer exited 0, as it does only when signalled to stop, before the check stopped it"]
          : []),
        ...first.details,
      ],
    });
  }
  return failure("pod-deleted", {
    context: ctx,
    tracerStderr: run.stderr,
    details: [
      now ? `pod ${pod} is terminating (deletionTimestamp set)` : `pod ${pod} no longer exists`,
      ...(first ? [`the trace ended with [${first.kind}] ${first.summary}`, ...first.details] : []),
    ],
  });
}

/** Runs the check. Never throws for cluster problems (they become `failure`); throws for bad options. */
export async function runCheck(t: VerificationTransport, options: CheckOptions): Promise<CheckResult> {
  const r = resolveOptions(options);
  const start = Date.now();
  const result: CheckResult = {
    check: VERIFICATION_CHECK,
    verified: false,
    namespace: r.namespace,
    deployment: r.deployment,
    pod: null,
    container: null,
    kernel: null,
    architecture: null,
    btf: null,
    effectiveCapabilities: [],
    requiredCapabilities: [],
    excessCapabilities: [],
    target: `${r.host}:${r.port}`,
    matchedEvent: null,
    sampleEvents: [],
    timings: emptyTimings(start),
    tracerStop: null,
    warnings: [],
    minimization: null,
    failure: null,
  };
  const ctx: FailureContext = {
    namespace: r.namespace,
    deployment: r.deployment,
    target: result.target,
    tracerPath: r.tracerPath,
    btfPath: r.btfPath,
  };
  const done = (f: VerificationFailure | null) => {
    result.failure = f;
    result.timings.totalMs = Date.now() - start;
    return result;
  };
  // A connection error before the API server ever answered is not "lost in the middle": it was never there.
  let answered = false;
  const apiFailure = (err: unknown, operation: string) => {
    const kind = classifyApiError(errorStatus(err), false, errorMessage(err));
    const unreachable = kind === "connection-lost" && !answered;
    return failure(unreachable ? "api-unreachable" : kind, {
      context: { ...ctx, operation, ...(unreachable ? { endpoint: t.endpoint, cause: errorMessage(err) } : {}) },
      details: [
        `${operation}: ${errorStatus(err) !== undefined ? `HTTP ${errorStatus(err)}: ` : ""}${errorMessage(err)}`,
      ],
    });
  };

  // 1. A Ready pod.
  let selector = selectorFromOptions(options);
  if (selector === undefined) {
    try {
      selector = await t.deploymentSelector(r.namespace, r.deployment);
      answered = true;
    } catch (err) {
      return done(apiFailure(err, `get deployment ${r.namespace}/${r.deployment}`));
    }
  }
  let pod: PodSummary | undefined;
  let pods: PodSummary[] = [];
  const readyDeadline = start + r.readyTimeoutMs;
  for (;;) {
    try {
      pods = await t.listPods(r.namespace, selector);
      answered = true;
    } catch (err) {
      return done(apiFailure(err, `list pods in ${r.namespace} with selector ${selector}`));
    }
    pod = pods
      .filter((p) => p.ready && !p.deleting)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
    if (pod || Date.now() + r.pollIntervalMs > readyDeadline) break;
    await sleep(r.pollIntervalMs);
  }
  if (!pod) {
    const details: string[] = [`selector ${selector}: ${pods.length} pod(s)`];
    for (const p of pods.slice(0, 3)) {
      details.push(`pod ${p.name}: phase ${p.phase}${p.status.length ? `; ${p.status.join("; ")}` : ""}`);
      try {
        const events = await t.podEvents(r.namespace, p.name);
        details.push(...events.slice(-8).map((e) => `  event: ${e}`));
      } catch (err) {
        details.push(`  events unavailable: ${errorMessage(err)}`);
      }
    }
    return done(
      failure("pod-not-ready", { context: { ...ctx, seconds: Math.round(r.readyTimeoutMs / 1000) }, details }),
    );
  }
  const readyAt = Date.now();
  result.timings.podReadyMs = readyAt - start;
  result.pod = pod.name;
  const container = options.container ?? pod.containers[0] ?? "";
  result.container = container || null;
  ctx.pod = pod.name;

  // 2. Preflight.
  let pre: Preflight;
  try {
    const res = await runShort(t, r, pod.name, container, ["/bin/sh", "-c", PREFLIGHT_SCRIPT, r.tracerPath, r.btfPath]);
    if (res.lost) {
      return done(
        failure("connection-lost", { context: ctx, details: ["preflight exec ended without an exit status"] }),
      );
    }
    pre = parsePreflight(res.stdout);
    if (res.exitCode !== 0 && pre.kernel === null) {
      return done(
        failure("api-error", {
          context: { ...ctx, operation: "run the preflight commands" },
          details: [`exit code ${res.exitCode}`, ...tailLines(res.stderr.split("\n"), 5)],
        }),
      );
    }
  } catch (err) {
    const status = errorStatus(err);
    return done(
      failure(classifyApiError(status, true, errorMessage(err)), {
        context: ctx,
        details: [`exec preflight in ${pod.name}: ${errorMessage(err)}`],
      }),
    );
  }
  const assessed = assessPreflight(pre, r.probeKinds, options.minimizeCapabilities === true);
  result.kernel = pre.kernel;
  result.btf = pre.btf;
  result.architecture = assessed.architecture;
  result.effectiveCapabilities = assessed.effectiveCapabilities;
  result.requiredCapabilities = assessed.requiredCapabilities;
  result.excessCapabilities = assessed.excessCapabilities;
  result.warnings.push(...assessed.warnings);
  ctx.kernel = pre.kernel ?? undefined;
  ctx.architecture = assessed.architecture ?? undefined;
  if (assessed.minimumKernel !== undefined) ctx.minimumKernel = assessed.minimumKernel;
  if (pre.capEff) ctx.effectiveCapabilities = assessed.effectiveCapabilities;
  const kernelSupported = assessed.kernelSupported;

  // 3-5. The trace.
  const traceCtx: TraceContext = {
    t,
    r,
    pod: pod.name,
    container,
    failureContext: ctx,
    btfPresent: pre.btf ?? undefined,
    kernelSupported,
    tracerPresent: pre.tracerPresent ?? undefined,
  };
  const run = await traceOnce(traceCtx);
  result.tracerStop = run.stop;
  result.matchedEvent = run.matchedEvent;
  const sample = run.matchedEvent
    ? [run.matchedEvent, ...run.events.filter((e) => e !== run.matchedEvent)]
    : run.events;
  result.sampleEvents = sample.slice(0, r.sampleEvents);
  result.timings.attachMs = run.attachedAt !== null ? run.attachedAt - run.startedAt : null;
  result.timings.eventMs = run.eventAt !== null && run.connectedAt !== null ? run.eventAt - run.connectedAt : null;
  result.timings.readyToAttachedMs = run.attachedAt !== null ? run.attachedAt - readyAt : null;
  result.timings.attachedToEventMs =
    run.eventAt !== null && run.attachedAt !== null ? run.eventAt - run.attachedAt : null;
  if (run.stop === "abandoned") result.warnings.push("the tracer could not be stopped; `timeout` ends it in the pod");
  result.verified = run.verified;
  if (!run.verified)
    return done((await explainEndedTrace(t, r.namespace, selector, pod.name, run, ctx)) ?? run.failure);

  // 6. Minimization.
  if (options.minimizeCapabilities) {
    result.minimization = await minimize(traceCtx, result.effectiveCapabilities);
  }
  return done(null);
}
