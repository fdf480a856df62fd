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
import { isIPv4 } from "../core/connectTarget";

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

export const TRACE_HEADER_FIELDS = ["Comm", "Src addr", "Port", "->", "Dest addr", "Port"] as const;
export const TRACE_SHUTDOWN_TEXT = "received signal, exiting..";

const MAX_LINE = 4096;
const PREFIX = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) ([\s\S]*)$/;
const HEADER = /^Comm\s+Src addr\s+Port\s+->\s+Dest addr\s+Port\s*$/;
// Greedy comm: the last `addr port -> addr port` group is the event, whatever the comm holds.
const EVENT = /^([\s\S]*?)[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]+->[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]*$/;
/** Removes the comm's NUL padding (and anything after the first NUL) and trailing blanks. */
export function cleanComm(raw: string): string {
  const nul = raw.indexOf("\u0000");
  return (nul >= 0 ? raw.slice(0, nul) : raw).replace(/[ \t]+$/, "");
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
  const text = typeof line === "string" ? line.replace(/\r$/, "") : String(line);
  // No real line is this long; bounding it keeps the regular expressions linear in practice.
  if (text.length > MAX_LINE) return { kind: "garbage", text: text.slice(0, MAX_LINE) };
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

/** Formats an event the way the tracer prints it (without the log prefix), for reports. */
export function formatTraceEvent(event: TraceEvent): string {
  const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
  return `${pad(event.comm, 16)} ${pad(event.srcAddr, 15)} ${pad(String(event.srcPort), 6)} -> ${pad(event.dstAddr, 15)} ${pad(String(event.dstPort), 6)}`.trimEnd();
}

/**
 * Splits a byte stream into lines as chunks arrive; `lines` gets each complete line.
 * Plain closure, no class, so the dynamic provider can serialize it.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    push(chunk: string) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    },
    flush() {
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}

/** Whether an event is the one the check's connection produced. */
export function matchesConnection(event: TraceEvent, expect: { comm: string; dstPort: number; dstAddr?: string }): boolean {
  if (event.comm !== expect.comm || event.dstPort !== expect.dstPort) return false;
  return expect.dstAddr === undefined || event.dstAddr === expect.dstAddr;
}
