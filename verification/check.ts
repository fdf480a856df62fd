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
 * Returns a plain, JSON-ready result; failures are classified (failures.ts), never thrown.
 * No classes and no module-level state: the dynamic provider serializes this module.
 */
import { VERIFICATION_CHECK, TRACER_BINARY_PATH } from "../core/workload";
import { decodeCapabilityMask, excessCapabilities, minimumKernelFor, requiredCapabilities, PROBE_KINDS, ProbeKind, KNOWN_CAPABILITIES } from "../core/capabilities";
import { InputError } from "../core/errors";
import { isDnsSubdomain } from "../core/kubernetesNames";
import { parseKernelRelease, architectureFromMachine, kernelAtLeast } from "../core/kernel";
import { TraceEvent, parseTraceLine, lineSplitter, matchesConnection, isIPv4 } from "./traceOutput";
import { FailureKind, VerificationFailure, FailureContext, failure, classifyTracerExit, classifyApiError, tailLines } from "./failures";
import { VerificationTransport, PodSummary, ExecOutcome, ExecSession, TransportError } from "./transport";

export const DEFAULT_BTF_PATH = "/sys/kernel/btf/vmlinux";
/** The process that makes the check's connection (`bash` opening /dev/tcp); its comm in the event. */
export const CONNECT_COMM = "bash";

export interface CheckOptions {
  namespace: string;
  /** The Deployment whose pod is checked. */
  deployment: string;
  /** Label selector of the pods; default: read from the Deployment's spec.selector.matchLabels. */
  labelSelector?: string;
  /** Container to exec into; default: the pod's first container. */
  container?: string;
  /** `host:port` to connect to from inside the pod; default an IPv4 loopback port (no network needed). */
  target?: string;
  /** Default TRACER_BINARY_PATH (the prebuilt examples/fentry in the workbench image). */
  tracerPath?: string;
  btfPath?: string;
  /** Probe kinds for the excess-capability audit; default fentry. */
  probeKinds?: ProbeKind[];
  /** Rerun once per effective capability with it removed; needs CAP_SETPCAP and setpriv in the container. */
  minimizeCapabilities?: boolean;
  /** Default 300 000 (5 minutes). */
  readyTimeoutMs?: number;
  /** Default 2 000. */
  pollIntervalMs?: number;
  /** Time for the tracer to print its header; default 30 000. */
  attachTimeoutMs?: number;
  /** Time from the connection to its event; default 15 000. */
  eventTimeoutMs?: number;
  /** Time the tracer gets to exit after SIGINT (and again after SIGKILL); default 3 000. */
  stopGraceMs?: number;
  /** Bound on the short commands (preflight, connect, kill); default 20 000. */
  commandTimeoutMs?: number;
  /** How many events the result carries; default 5. */
  sampleEvents?: number;
  /** For tests: the loopback port when no target is given. */
  randomPort?: () => number;
}

export interface TraceTimings {
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

export type TracerStop = "exited" | "stopped" | "killed" | "abandoned";

export interface MinimizationRun {
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

interface Resolved {
  namespace: string;
  deployment: string;
  tracerPath: string;
  btfPath: string;
  probeKinds: ProbeKind[];
  readyTimeoutMs: number;
  pollIntervalMs: number;
  attachTimeoutMs: number;
  eventTimeoutMs: number;
  stopGraceMs: number;
  commandTimeoutMs: number;
  sampleEvents: number;
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;

/** Parses `host:port` (IPv4 literal or host name). */
export function parseTarget(target: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(target.trim());
  const accepted = "host:port with an IPv4 address or host name and a port 1-65535 (the trace sees IPv4 only), e.g. 127.0.0.1:8080";
  if (!m) throw new InputError("target", target, accepted);
  const port = Number(m[2]);
  if (port < 1 || port > 65535 || !(isIPv4(m[1]) || HOSTNAME.test(m[1]))) throw new InputError("target", target, accepted);
  return { host: m[1], port };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InputError(name, value, "a positive number of milliseconds");
  return value;
}

/** Validates options; throws an error naming the input, the value and what is accepted. */
export function resolveOptions(options: CheckOptions): Resolved {
  if (!isDnsSubdomain(options.namespace)) {
    throw new InputError("namespace", options.namespace, "a Kubernetes namespace name (lowercase DNS label)");
  }
  if (!isDnsSubdomain(options.deployment)) {
    throw new InputError("deployment", options.deployment, "a Kubernetes Deployment name (lowercase DNS subdomain)");
  }
  const probeKinds = options.probeKinds ?? ["fentry"];
  for (const k of probeKinds) {
    if (!(k in PROBE_KINDS)) throw new InputError("probeKinds", k, `one of: ${Object.keys(PROBE_KINDS).join(", ")}`);
  }
  let host = "127.0.0.1";
  let port: number;
  if (options.target !== undefined) {
    ({ host, port } = parseTarget(options.target));
  } else {
    port = options.randomPort ? options.randomPort() : 20000 + Math.floor(Math.random() * 10000);
  }
  return {
    namespace: options.namespace,
    deployment: options.deployment,
    tracerPath: options.tracerPath ?? TRACER_BINARY_PATH,
    btfPath: options.btfPath ?? DEFAULT_BTF_PATH,
    probeKinds: [...probeKinds],
    readyTimeoutMs: positive("readyTimeoutMs", options.readyTimeoutMs, 300_000),
    pollIntervalMs: positive("pollIntervalMs", options.pollIntervalMs, 2_000),
    attachTimeoutMs: positive("attachTimeoutMs", options.attachTimeoutMs, 30_000),
    eventTimeoutMs: positive("eventTimeoutMs", options.eventTimeoutMs, 15_000),
    stopGraceMs: positive("stopGraceMs", options.stopGraceMs, 3_000),
    commandTimeoutMs: positive("commandTimeoutMs", options.commandTimeoutMs, 20_000),
    sampleEvents: options.sampleEvents ?? 5,
    host,
    port,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A tiny condition variable: `waitUntil` resolves when `notify` makes the condition true, or at the timeout. */
function signal() {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const l of [...listeners]) l();
    },
    waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
      return new Promise((resolve) => {
        if (cond()) return resolve(true);
        const check = () => {
          if (cond()) finish(true);
        };
        const timer = setTimeout(() => finish(cond()), ms);
        function finish(v: boolean) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(v);
        }
        listeners.add(check);
      });
    },
  };
}

function errorStatus(err: unknown): number | undefined {
  const s = (err as TransportError | undefined)?.status;
  return typeof s === "number" ? s : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface ShortRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  lost: boolean;
}

/** Runs a short command to completion (bounded). Exec refusals propagate as thrown errors. */
async function runShort(t: VerificationTransport, r: Resolved, pod: string, container: string, command: string[]): Promise<ShortRun> {
  let stdout = "";
  let stderr = "";
  const session = await t.exec(r.namespace, pod, container, command, {
    onStdout: (c) => {
      stdout += c;
    },
    onStderr: (c) => {
      stderr += c;
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ExecOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "lost", detail: `no exit status within ${r.commandTimeoutMs} ms` }), r.commandTimeoutMs);
  });
  const outcome = await Promise.race([session.done, timeout]);
  clearTimeout(timer);
  if (outcome.kind === "lost") session.close();
  return { exitCode: outcome.kind === "exited" ? outcome.exitCode : null, stdout, stderr, lost: outcome.kind === "lost" };
}

const PREFLIGHT_SCRIPT = [
  'echo "kernel=$(uname -r)"',
  'echo "machine=$(uname -m)"',
  'if [ -e "$1" ]; then echo btf=yes; else echo btf=no; fi',
  'if [ -x "$0" ]; then echo tracer=yes; else echo tracer=no; fi',
  'while read -r k v; do if [ "$k" = "CapEff:" ]; then echo "capeff=$v"; fi; done < /proc/self/status',
].join("\n");

/** Prints the PID (= process group, timeout makes itself its leader) on stdout, then becomes `timeout`. */
const TRACER_SCRIPT = 'echo "acs-ebpf-tracer-pid $$"; exec timeout -k 5 -s INT "$@"';
const CONNECT_SCRIPT = 'exec 3<>"/dev/tcp/$1/$2"';
const INTERRUPT_SCRIPT = 'kill -INT "$0"';
// `kill -9 -PGID`: the process group (timeout and the tracer); dash and bash both accept this form.
const KILL_SCRIPT = 'kill -9 "-$0" 2>/dev/null || kill -9 "$0"';
const ALIVE_SCRIPT = 'kill -0 "$0" 2>/dev/null';

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

interface TraceRun {
  verified: boolean;
  failure: VerificationFailure | null;
  matchedEvent: TraceEvent | null;
  events: TraceEvent[];
  stderr: string[];
  stop: TracerStop | null;
  startedAt: number;
  attachedAt: number | null;
  connectedAt: number | null;
  eventAt: number | null;
}

interface TraceContext {
  t: VerificationTransport;
  r: Resolved;
  pod: string;
  container: string;
  failureContext: FailureContext;
  btfPresent?: boolean;
  kernelSupported?: boolean;
  tracerPresent?: boolean;
}

/** One run of the tracer: start, header, connect, event, stop. */
async function traceOnce(ctx: TraceContext, dropCapability?: string): Promise<TraceRun> {
  const { t, r, pod, container } = ctx;
  const cond = signal();
  const stderr: string[] = [];
  const events: TraceEvent[] = [];
  const expect = { comm: CONNECT_COMM, dstPort: r.port, dstAddr: isIPv4(r.host) ? r.host : undefined };
  const run: TraceRun = {
    verified: false,
    failure: null,
    matchedEvent: null,
    events,
    stderr,
    stop: null,
    startedAt: Date.now(),
    attachedAt: null,
    connectedAt: null,
    eventAt: null,
  };
  let pid: number | undefined;
  let outcome: ExecOutcome | undefined;
  let connecting = false;

  const errLines = lineSplitter((line) => {
    stderr.push(line);
    if (stderr.length > 500) stderr.splice(0, stderr.length - 500);
    const parsed = parseTraceLine(line);
    if (parsed.kind === "header" && run.attachedAt === null) run.attachedAt = Date.now();
    if (parsed.kind === "event") {
      events.push(parsed.event);
      if (connecting && run.matchedEvent === null && matchesConnection(parsed.event, expect)) {
        run.matchedEvent = parsed.event;
        run.eventAt = Date.now();
      }
    }
    cond.notify();
  });
  const outLines = lineSplitter((line) => {
    const m = /^acs-ebpf-tracer-pid (\d+)\s*$/.exec(line);
    if (m) pid = Number(m[1]);
    cond.notify();
  });

  const seconds = Math.ceil((r.attachTimeoutMs + r.eventTimeoutMs + 2 * r.stopGraceMs + r.commandTimeoutMs) / 1000) + 5;
  const setpriv = dropCapability ? ["setpriv", "--inh-caps", "-all", "--bounding-set", `-${dropCapability.toLowerCase()}`, "--"] : [];
  const command = ["/bin/sh", "-c", TRACER_SCRIPT, "acs-ebpf-trace", String(seconds), ...setpriv, r.tracerPath];

  const fail = (kind: FailureKind, extra: { summary?: string; details?: string[] } = {}) => {
    run.failure = failure(kind, { ...extra, tracerStderr: stderr, context: ctx.failureContext });
  };

  let session: ExecSession;
  try {
    session = await t.exec(r.namespace, pod, container, command, {
      onStdout: (c) => outLines.push(c),
      onStderr: (c) => errLines.push(c),
    });
  } catch (err) {
    const status = errorStatus(err);
    fail(classifyApiError(status, true, errorMessage(err)), { details: [`exec ${command.join(" ")}: ${errorMessage(err)}`] });
    return run;
  }
  session.done.then((o) => {
    errLines.flush();
    outLines.flush();
    outcome = o;
    cond.notify();
  });

  const isLost = () => outcome !== undefined && outcome.kind === "lost";
  const isExited = () => outcome !== undefined && outcome.kind === "exited";

  async function alive(): Promise<boolean> {
    if (!isLost()) return !isExited();
    if (pid === undefined) return false;
    try {
      const res = await runShort(t, r, pod, container, ["/bin/sh", "-c", ALIVE_SCRIPT, String(pid)]);
      return res.exitCode === 0;
    } catch {
      return true;
    }
  }
  async function gone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (!isLost()) {
      await cond.waitUntil(() => outcome !== undefined, ms);
      if (isExited()) return true;
      if (!isLost()) return false;
    }
    while (Date.now() < deadline) {
      if (!(await alive())) return true;
      await sleep(Math.min(100, r.stopGraceMs));
    }
    return !(await alive());
  }
  async function signalTracer(script: string): Promise<void> {
    if (pid === undefined) return;
    try {
      await runShort(t, r, pod, container, ["/bin/sh", "-c", script, String(pid)]);
    } catch {
      // Best effort: `timeout` still ends the tracer.
    }
  }
  async function stop(): Promise<TracerStop> {
    if (isExited()) return "exited";
    if (!isLost()) await cond.waitUntil(() => pid !== undefined || outcome !== undefined, Math.min(1000, r.stopGraceMs));
    if (isExited()) return "exited";
    if (pid === undefined) {
      session.close();
      return "abandoned";
    }
    if (!isLost() || (await alive())) {
      await signalTracer(INTERRUPT_SCRIPT);
      if (await gone(r.stopGraceMs)) {
        if (!isLost()) session.close();
        return "stopped";
      }
      await signalTracer(KILL_SCRIPT);
      if (await gone(r.stopGraceMs)) {
        if (!isLost()) session.close();
        return "killed";
      }
      session.close();
      return "abandoned";
    }
    return "exited";
  }

  // 1. Header (attached), exit, lost, or timeout.
  await cond.waitUntil(() => run.attachedAt !== null || outcome !== undefined, r.attachTimeoutMs);
  if (run.attachedAt === null) {
    if (isLost()) {
      fail("connection-lost", { details: [`tracer exec: ${(outcome as { detail: string }).detail}`] });
    } else if (isExited()) {
      const exitCode = (outcome as { exitCode: number }).exitCode;
      const kind =
        ctx.tracerPresent === false && ctx.kernelSupported !== false && ctx.btfPresent !== false
          ? "tracer-missing"
          : classifyTracerExit({ stderr, exitCode, btfPresent: ctx.btfPresent, kernelSupported: ctx.kernelSupported });
      fail(kind, { details: [`tracer exit code ${exitCode}${dropCapability ? ` (run without CAP_${dropCapability})` : ""}`] });
    } else {
      const kind = classifyTracerExit({ stderr, timedOut: true, btfPresent: ctx.btfPresent, kernelSupported: ctx.kernelSupported });
      fail(kind === "tracer-exited" ? "header-timeout" : kind, {
        details: [`no header within ${r.attachTimeoutMs} ms`],
        summary: undefined,
      });
    }
    run.stop = await stop();
    return run;
  }

  // 2. One connection from inside the pod.
  connecting = true;
  run.connectedAt = Date.now();
  let connectSession: ExecSession | undefined;
  try {
    connectSession = await t.exec(r.namespace, pod, container, ["timeout", "5", "bash", "-c", CONNECT_SCRIPT, "acs-ebpf-connect", r.host, String(r.port)], {});
  } catch (err) {
    const status = errorStatus(err);
    fail(classifyApiError(status, true, errorMessage(err)), { details: [`exec connect to ${r.host}:${r.port}: ${errorMessage(err)}`] });
  }

  // 3. The matching event.
  if (run.failure === null) {
    await cond.waitUntil(() => run.matchedEvent !== null || outcome !== undefined, r.eventTimeoutMs);
    if (run.matchedEvent !== null) {
      run.verified = true;
    } else if (isLost()) {
      fail("connection-lost", { details: [`tracer exec: ${(outcome as { detail: string }).detail}`] });
    } else if (isExited()) {
      fail("tracer-exited", {
        summary: `the tracer attached, then exited (code ${(outcome as { exitCode: number }).exitCode}) before reporting the check's connection`,
      });
    } else {
      fail("no-matching-event", {
        details: [
          `expected comm ${expect.comm}, destination ${expect.dstAddr ?? r.host}:${expect.dstPort}`,
          events.length === 0 ? "no events at all" : `events seen: ${events.length}`,
          ...events.slice(-5).map((e) => `  ${e.comm} ${e.srcAddr}:${e.srcPort} -> ${e.dstAddr}:${e.dstPort}`),
        ],
      });
    }
  }
  if (connectSession) {
    const cs = connectSession;
    let connectDone = false;
    cs.done.then(() => {
      connectDone = true;
      cond.notify();
    });
    await cond.waitUntil(() => connectDone, Math.min(r.commandTimeoutMs, 6000));
    cs.close();
  }

  // 4. Stop the tracer.
  run.stop = await stop();
  return run;
}

function emptyTimings(start: number): TraceTimings {
  return { podReadyMs: null, attachMs: null, eventMs: null, readyToAttachedMs: null, attachedToEventMs: null, totalMs: Date.now() - start };
}

function selectorFromOptions(options: CheckOptions): string | undefined {
  return options.labelSelector && options.labelSelector.trim() !== "" ? options.labelSelector : undefined;
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
  const ctx: FailureContext = { namespace: r.namespace, deployment: r.deployment, target: result.target, tracerPath: r.tracerPath, btfPath: r.btfPath };
  const done = (f: VerificationFailure | null) => {
    result.failure = f;
    result.timings.totalMs = Date.now() - start;
    return result;
  };
  const apiFailure = (err: unknown, operation: string) =>
    failure(classifyApiError(errorStatus(err), false, errorMessage(err)), {
      context: { ...ctx, operation },
      details: [`${operation}: ${errorStatus(err) !== undefined ? `HTTP ${errorStatus(err)}: ` : ""}${errorMessage(err)}`],
    });

  // 1. A Ready pod.
  let selector = selectorFromOptions(options);
  if (selector === undefined) {
    try {
      selector = await t.deploymentSelector(r.namespace, r.deployment);
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
    } catch (err) {
      return done(apiFailure(err, `list pods in ${r.namespace} with selector ${selector}`));
    }
    pod = pods.filter((p) => p.ready && !p.deleting).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
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
    return done(failure("pod-not-ready", { context: { ...ctx, seconds: Math.round(r.readyTimeoutMs / 1000) }, details }));
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
      return done(failure("connection-lost", { context: ctx, details: ["preflight exec ended without an exit status"] }));
    }
    pre = parsePreflight(res.stdout);
    if (res.exitCode !== 0 && pre.kernel === null) {
      return done(
        failure("api-error", { context: { ...ctx, operation: "run the preflight commands" }, details: [`exit code ${res.exitCode}`, ...tailLines(res.stderr.split("\n"), 5)] }),
      );
    }
  } catch (err) {
    const status = errorStatus(err);
    return done(failure(classifyApiError(status, true, errorMessage(err)), { context: ctx, details: [`exec preflight in ${pod.name}: ${errorMessage(err)}`] }));
  }
  result.kernel = pre.kernel;
  result.btf = pre.btf;
  const arch = pre.machine ? architectureFromMachine(pre.machine) : undefined;
  result.architecture = arch ?? pre.machine;
  const kernel = pre.kernel ? parseKernelRelease(pre.kernel) : undefined;
  ctx.kernel = pre.kernel ?? undefined;
  ctx.architecture = result.architecture ?? undefined;
  let kernelSupported: boolean | undefined;
  if (kernel) {
    const minimum = minimumKernelFor(r.probeKinds, arch ?? "amd64");
    ctx.minimumKernel = `${minimum} on ${arch ?? pre.machine ?? "this architecture"}`;
    kernelSupported = arch !== undefined && kernelAtLeast(kernel, minimum);
  } else if (pre.machine && !arch) {
    kernelSupported = false;
  } else {
    result.warnings.push(`could not parse the kernel release ${JSON.stringify(pre.kernel)}`);
  }
  if (pre.capEff) {
    result.effectiveCapabilities = decodeCapabilityMask(pre.capEff);
    const k = kernel ?? "unknown";
    // Minimization needs SETPCAP, which the model grants for it: not an excess then.
    const grants = { minimizeCapabilities: options.minimizeCapabilities === true };
    result.requiredCapabilities = requiredCapabilities(r.probeKinds, k, grants);
    result.excessCapabilities = excessCapabilities(result.effectiveCapabilities, r.probeKinds, k, grants);
    ctx.effectiveCapabilities = result.effectiveCapabilities;
    const missing = result.requiredCapabilities.filter((c) => !result.effectiveCapabilities.includes(c));
    if (missing.length > 0) result.warnings.push(`the capability model requires ${missing.join(", ")}, which the container lacks`);
    if (result.excessCapabilities.length > 0) {
      result.warnings.push(`capabilities beyond what this kernel needs for ${r.probeKinds.join(", ")}: ${result.excessCapabilities.join(", ")}`);
    }
  } else {
    result.warnings.push("could not read CapEff from /proc/self/status");
  }

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
  const sample = run.matchedEvent ? [run.matchedEvent, ...run.events.filter((e) => e !== run.matchedEvent)] : run.events;
  result.sampleEvents = sample.slice(0, r.sampleEvents);
  result.timings.attachMs = run.attachedAt !== null ? run.attachedAt - run.startedAt : null;
  result.timings.eventMs = run.eventAt !== null && run.connectedAt !== null ? run.eventAt - run.connectedAt : null;
  result.timings.readyToAttachedMs = run.attachedAt !== null ? run.attachedAt - readyAt : null;
  result.timings.attachedToEventMs = run.eventAt !== null && run.attachedAt !== null ? run.eventAt - run.attachedAt : null;
  if (run.stop === "abandoned") result.warnings.push("the tracer could not be stopped; `timeout` ends it in the pod");
  result.verified = run.verified;
  if (!run.verified) return done(run.failure);

  // 6. Minimization.
  if (options.minimizeCapabilities) {
    result.minimization = await minimize(traceCtx, result.effectiveCapabilities);
  }
  return done(null);
}

/** Reruns the trace once per effective capability with that capability removed. */
async function minimize(ctx: TraceContext, effective: readonly string[]): Promise<MinimizationResult> {
  const out: MinimizationResult = { performed: false, reason: null, necessary: [], unnecessary: [], inconclusive: [], runs: [], note: null };
  if (!effective.includes("SETPCAP")) {
    out.reason =
      "removing a capability for one run needs CAP_SETPCAP in the container (setpriv --bounding-set drops it from the bounding set; a root process regains everything in it at exec). Grant SETPCAP temporarily to minimize, then remove it.";
    return out;
  }
  out.performed = true;
  for (const cap of effective) {
    if (!KNOWN_CAPABILITIES.has(cap)) continue;
    const run = await traceOnce(ctx, cap);
    out.runs.push({ removed: cap, verified: run.verified, failure: run.failure ? run.failure.kind : null, stderr: tailLines(run.stderr, 5) });
    if (run.verified) out.unnecessary.push(cap);
    else if (run.failure?.kind === "operation-not-permitted") out.necessary.push(cap);
    else out.inconclusive.push(cap);
  }
  const overlapping = effective.includes("BPF") || effective.includes("PERFMON");
  if (out.necessary.includes("SYS_ADMIN") && !overlapping) {
    out.note =
      "SYS_ADMIN was necessary only because BPF and PERFMON are not granted: on kernels >= 5.8 grant BPF and PERFMON instead of SYS_ADMIN (a superset that also grants mount, namespaces and most of root).";
  } else if (effective.includes("SYS_ADMIN") && overlapping && !out.necessary.some((c) => c === "SYS_ADMIN" || c === "BPF" || c === "PERFMON")) {
    out.note =
      "capabilities are removed one at a time: SYS_ADMIN covers BPF and PERFMON (and they cover it), so none of them shows as necessary alone. Remove SYS_ADMIN and run the minimization again.";
  }
  return out;
}
