/**
 * One run of the tracer in the pod: start it under `timeout`, wait for its header, make one
 * connection, wait for the matching event, stop it (SIGINT, then SIGKILL to its process group).
 * Failures are classified into the run, never thrown.
 */
import { isIPv4 } from "../core/connectTarget";
import { TraceEvent, parseTraceLine, lineSplitter, matchesConnection } from "./traceOutput";
import {
  FailureKind,
  VerificationFailure,
  FailureContext,
  failure,
  classifyTracerExit,
  classifyApiError,
} from "./failures";
import { VerificationTransport, ExecOutcome, ExecSession } from "./transport";
import type { ResolvedOptions } from "./checkOptions";
import { sleep, errorStatus, errorMessage, runShort } from "./podExec";

/** The process that makes the check's connection (`bash` opening /dev/tcp); its comm in the event. */
const CONNECT_COMM = "bash";

export type TracerStop = "exited" | "stopped" | "killed" | "abandoned";

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

/** Prints the PID (= process group, timeout makes itself its leader) on stdout, then becomes `timeout`. */
const TRACER_SCRIPT = 'echo "acs-ebpf-tracer-pid $$"; exec timeout -k 5 -s INT "$@"';
const CONNECT_SCRIPT = 'exec 3<>"/dev/tcp/$1/$2"';
const INTERRUPT_SCRIPT = 'kill -INT "$0"';
// `kill -9 -PGID`: the process group (timeout and the tracer); dash and bash both accept this form.
const KILL_SCRIPT = 'kill -9 "-$0" 2>/dev/null || kill -9 "$0"';
const ALIVE_SCRIPT = 'kill -0 "$0" 2>/dev/null';

export interface TraceRun {
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
  /** The tracer's exit code when it ended on its own before the check stopped it (null otherwise). */
  exitedEarly: number | null;
}

export interface TraceContext {
  t: VerificationTransport;
  r: ResolvedOptions;
  pod: string;
  container: string;
  failureContext: FailureContext;
  btfPresent?: boolean;
  kernelSupported?: boolean;
  tracerPresent?: boolean;
}

/** One run of the tracer: start, header, connect, event, stop. */
export async function traceOnce(ctx: TraceContext, dropCapability?: string): Promise<TraceRun> {
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
    exitedEarly: null,
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
  const setpriv = dropCapability
    ? ["setpriv", "--inh-caps", "-all", "--bounding-set", `-${dropCapability.toLowerCase()}`, "--"]
    : [];
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
    fail(classifyApiError(status, true, errorMessage(err)), {
      details: [`exec ${command.join(" ")}: ${errorMessage(err)}`],
    });
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
    if (!isLost())
      await cond.waitUntil(() => pid !== undefined || outcome !== undefined, Math.min(1000, r.stopGraceMs));
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
      fail(kind, {
        details: [`tracer exit code ${exitCode}${dropCapability ? ` (run without CAP_${dropCapability})` : ""}`],
      });
    } else {
      const kind = classifyTracerExit({
        stderr,
        timedOut: true,
        btfPresent: ctx.btfPresent,
        kernelSupported: ctx.kernelSupported,
      });
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
    connectSession = await t.exec(
      r.namespace,
      pod,
      container,
      ["timeout", "5", "bash", "-c", CONNECT_SCRIPT, "acs-ebpf-connect", r.host, String(r.port)],
      {},
    );
  } catch (err) {
    const status = errorStatus(err);
    fail(classifyApiError(status, true, errorMessage(err)), {
      details: [`exec connect to ${r.host}:${r.port}: ${errorMessage(err)}`],
    });
  }

  // 3. The matching event.
  if (run.failure === null) {
    await cond.waitUntil(() => run.matchedEvent !== null || outcome !== undefined, r.eventTimeoutMs);
    if (run.matchedEvent !== null) {
      run.verified = true;
    } else if (isLost()) {
      fail("connection-lost", { details: [`tracer exec: ${(outcome as { detail: string }).detail}`] });
    } else if (isExited()) {
      run.exitedEarly = (outcome as { exitCode: number }).exitCode;
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
