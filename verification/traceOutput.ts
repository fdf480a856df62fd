/**
 * Parser for the output of cilium/ebpf `examples/fentry` (the tcp_connect trace).
 *
 * The program writes everything to stderr through Go's `log` package, so every line starts with
 * `YYYY/MM/DD HH:MM:SS `. What follows is one of:
 *   header    `Comm             Src addr        Port   -> Dest addr       Port  `
 *             (fields padded `%-16s %-15s %-6s -> %-15s %-6s`)
 *   event     comm (a 16-byte array printed with %-16s: NUL-padded, may contain spaces),
 *             src IPv4, src port, `->`, dst IPv4, dst port (ports padded %-6d)
 *   shutdown  `received signal, exiting..`
 *   message   any other log line (errors such as `failed to set memlock rlimit: ...`)
 * and anything without the prefix is garbage (for example output of a wrapper).
 *
 * Pure functions; nothing here throws on any input.
 */
import { IPV4_PATTERN, isIPv4 } from "../core/connectTarget";

export interface TraceEvent {
  /** `YYYY/MM/DD HH:MM:SS` from the log prefix, when present. */
  time?: string;
  /** Command name, NUL padding and trailing spaces removed. */
  comm: string;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
}

export type TraceLine =
  | { kind: "header"; time?: string }
  | { kind: "event"; event: TraceEvent }
  | { kind: "shutdown"; time?: string }
  | { kind: "message"; time: string; text: string }
  | { kind: "garbage"; text: string };

const TRACE_SHUTDOWN_TEXT = "received signal, exiting..";

const MAX_LINE = 4096;
const PREFIX = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) ([\s\S]*)$/;
const HEADER = /^Comm\s+Src addr\s+Port\s+->\s+Dest addr\s+Port\s*$/;
// Greedy comm: the last `addr port -> addr port` group is the event, whatever the comm holds.
const EVENT = /^([\s\S]*?)[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]+->[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]*$/;
// The tracer's own event line (log prefix, NUL-padded comm, dotted-quad addresses), read by one
// regular expression: a million such lines must parse in about the time of splitting them. Any line
// it does not match takes the general path below, which gives the same result for the lines it does.
const DOTTED_QUAD = `(${IPV4_PATTERN})`;
const TRACER_EVENT = new RegExp(
  `^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) ([^\\x00]*?)\\x00*[ \\t]+${DOTTED_QUAD}[ \\t]+(\\d{1,5})[ \\t]+->[ \\t]+${DOTTED_QUAD}[ \\t]+(\\d{1,5})[ \\t]*$`,
);

/** Removes the comm's NUL padding (and anything after the first NUL) and trailing blanks. */
export function cleanComm(raw: string): string {
  const nul = raw.indexOf("\u0000");
  let end = nul >= 0 ? nul : raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--;
  return end === raw.length ? raw : raw.slice(0, end);
}

function parseEvent(body: string, time: string | undefined): TraceEvent | undefined {
  const m = EVENT.exec(body);
  if (!m) return undefined;
  const [, rawComm, srcAddr, srcPort, dstAddr, dstPort] = m;
  const sport = Number(srcPort);
  const dport = Number(dstPort);
  if (sport > 65535 || dport > 65535) return undefined;
  if (!isIPv4(srcAddr) || !isIPv4(dstAddr)) return undefined;
  const comm = cleanComm(rawComm);
  const event: TraceEvent = { comm, srcAddr, srcPort: sport, dstAddr, dstPort: dport };
  if (time !== undefined) event.time = time;
  return event;
}

/** Classifies one line (without its newline). Never throws. */
export function parseTraceLine(line: string): TraceLine {
  let text = typeof line === "string" ? line : String(line);
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  // No real line is this long; bounding it keeps the regular expressions linear in practice.
  if (text.length > MAX_LINE) return { kind: "garbage", text: text.slice(0, MAX_LINE) };
  const fast = TRACER_EVENT.exec(text);
  if (fast) {
    const srcPort = Number(fast[4]);
    const dstPort = Number(fast[6]);
    if (srcPort <= 65535 && dstPort <= 65535) {
      return {
        kind: "event",
        event: { comm: cleanComm(fast[2]), srcAddr: fast[3], srcPort, dstAddr: fast[5], dstPort, time: fast[1] },
      };
    }
  }
  const m = PREFIX.exec(text);
  const time = m ? m[1] : undefined;
  const body = m ? m[2] : text;
  if (HEADER.test(body)) return time ? { kind: "header", time } : { kind: "header" };
  if (body.trim() === TRACE_SHUTDOWN_TEXT) return time ? { kind: "shutdown", time } : { kind: "shutdown" };
  const event = parseEvent(body, time);
  if (event) return { kind: "event", event };
  if (time !== undefined) return { kind: "message", time, text: body };
  return { kind: "garbage", text };
}

export interface TraceOutput {
  headerSeen: boolean;
  shutdownSeen: boolean;
  events: TraceEvent[];
  /** Log lines that are neither header, event nor shutdown (errors, warnings). */
  messages: string[];
  garbage: string[];
}

/** Parses a whole stderr capture. Never throws. */
export function parseTraceOutput(text: string): TraceOutput {
  const out: TraceOutput = { headerSeen: false, shutdownSeen: false, events: [], messages: [], garbage: [] };
  const lines = String(text ?? "").split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const parsed = parseTraceLine(line);
    switch (parsed.kind) {
      case "header":
        out.headerSeen = true;
        break;
      case "shutdown":
        out.shutdownSeen = true;
        break;
      case "event":
        out.events.push(parsed.event);
        break;
      case "message":
        out.messages.push(parsed.text);
        break;
      case "garbage":
        if (parsed.text.trim() !== "") out.garbage.push(parsed.text);
        break;
    }
  }
  return out;
}

/**
 * The exact line the fentry example writes for an event: Go's `log` prefix, then
 * `%-16s %-15s %-6d -> %-15s %-6d` with the comm a 16-byte array (NUL-padded, not blank-padded).
 * For stand-ins, tests and the bench; the time defaults to a fixed one.
 */
export function tracerEventLine(event: TraceEvent): string {
  const comm = event.comm.slice(0, 16).padEnd(16, "\u0000");
  return `${event.time ?? "2024/12/17 08:40:49"} ${comm} ${event.srcAddr.padEnd(15)} ${String(event.srcPort).padEnd(6)} -> ${event.dstAddr.padEnd(15)} ${String(event.dstPort).padEnd(6)}`;
}

/** Formats an event the way the tracer prints it (without the log prefix), for reports. */
export function formatTraceEvent(event: TraceEvent): string {
  return `${event.comm.padEnd(16)} ${event.srcAddr.padEnd(15)} ${String(event.srcPort).padEnd(6)} -> ${event.dstAddr.padEnd(15)} ${String(event.dstPort).padEnd(6)}`.trimEnd();
}

/**
 * Splits a byte stream into lines as chunks arrive; `lines` gets each complete line.
 * Plain closure, no class, so the dynamic provider can serialize it.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    push(chunk: string) {
      const text = pending + chunk;
      // One slice per line; the unfinished tail is kept once per chunk, not once per line.
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      pending = start === 0 ? text : text.slice(start);
    },
    flush() {
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}

/** Whether an event is the one the check's connection produced. */
export function matchesConnection(
  event: TraceEvent,
  expect: { comm: string; dstPort: number; dstAddr?: string },
): boolean {
  if (event.comm !== expect.comm || event.dstPort !== expect.dstPort) return false;
  return expect.dstAddr === undefined || event.dstAddr === expect.dstAddr;
}
