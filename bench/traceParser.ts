/**
 * The trace parser over 1,000,000 tracer lines, fed in 64 KiB chunks as the exec stream delivers
 * them (lineSplitter + parseTraceLine), against a plain line split of the same chunks. Memory must
 * stay flat: the heap after the stream (events not kept) is compared with the heap after its
 * first tenth.
 */
import { IPV4_PATTERN } from "../core/connectTarget";
import { TraceLine, lineSplitter, parseTraceLine, tracerEventLine } from "../verification/traceOutput";
import { BenchResult, compare, gc, median, round, timeIt } from "./measure";

const LINES = 1_000_000;
const CHUNK = 64 * 1024;
/** Heap growth over the stream that still counts as flat. */
const FLAT_MB = 8;

/** The tracer's header, then events in its exact format, every field changing from line to line. */
function tracerLines(count: number): string[] {
  const comms = ["bash", "ilogtail", "curl", "kubelet", "a process name!"];
  const lines = ["2024/12/17 08:40:49 Comm             Src addr        Port   -> Dest addr       Port  "];
  for (let i = 1; i < count; i++) {
    lines.push(
      tracerEventLine({
        time: `2024/12/17 08:40:${String(i % 60).padStart(2, "0")}`,
        comm: comms[i % comms.length],
        srcAddr: `172.20.${i % 250}.${i % 200}`,
        srcPort: 1024 + (i % 60000),
        dstAddr: `100.100.${i % 256}.208`,
        dstPort: 80 + (i % 3),
      }),
    );
  }
  return lines;
}

/** The stream as chunks that cut lines anywhere, generated once and replayed. */
function chunksOf(lines: string[]): string[] {
  const text = lines.join("\n") + "\n";
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK) chunks.push(text.slice(i, i + CHUNK));
  return chunks;
}

function parseStream(chunks: string[], onTenth?: () => void): number {
  let events = 0;
  const splitter = lineSplitter((line) => {
    if (parseTraceLine(line).kind === "event") events++;
  });
  const tenth = Math.floor(chunks.length / 10);
  chunks.forEach((c, i) => {
    splitter.push(c);
    if (i === tenth) onTenth?.();
  });
  splitter.flush();
  return events;
}

/**
 * The least any parser returning these events must do, with no parsing at all: the same line
 * split, and per line the event's four strings sliced at offsets known in advance plus its two
 * objects. Reported next to the ratio, because it shows how much of the target is left for
 * reading the line (docs/performance.md).
 */
function allocationFloor(chunks: string[]): number {
  let events = 0;
  let last: TraceLine | undefined;
  const splitter = lineSplitter((line) => {
    last = {
      kind: "event",
      event: {
        comm: line.slice(20, 24),
        srcAddr: line.slice(37, 49),
        srcPort: 1,
        dstAddr: line.slice(56, 69),
        dstPort: 2,
        time: line.slice(0, 19),
      },
    };
    events++;
  });
  for (const c of chunks) splitter.push(c);
  splitter.flush();
  return last ? events : 0;
}

// The tracer's exact event layout (fixed widths, dotted quads checked), as one regular expression.
const TRACER_LAYOUT = new RegExp(
  `^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d [^]{16} (?=${IPV4_PATTERN} +\\d)[\\d. ]{15} (?=\\d{1,5} * ->)[\\d ]{6} -> (?=${IPV4_PATTERN} +\\d)[\\d. ]{15} (?=\\d{1,5} *$)[\\d ]{6}$`,
);

/**
 * The least a parser that checks each line costs with V8's regular expressions: the same split and
 * one test of the line against the tracer's layout, no captures, nothing sliced or built. Reported
 * next to the ratio with the allocation floor: together they bound what the target can ask.
 */
function validationFloor(chunks: string[]): number {
  let events = 0;
  const splitter = lineSplitter((line) => {
    if (TRACER_LAYOUT.test(line)) events++;
  });
  for (const c of chunks) splitter.push(c);
  splitter.flush();
  return events;
}

/** The trace parser's target: at most this many times its validation floor. */
const TARGET_VS_VALIDATION_FLOOR = 2;

function plainSplit(chunks: string[]): number {
  let lines = 0;
  let pending = "";
  for (const c of chunks) {
    const parts = (pending + c).split("\n");
    pending = parts.pop()!;
    lines += parts.length;
  }
  return lines + (pending ? 1 : 0);
}

export async function traceParserBenchmarks(): Promise<BenchResult[]> {
  const chunks = chunksOf(tracerLines(LINES));
  let events = 0;
  const r = await compare(
    "trace-parser-1000000-lines",
    `lineSplitter + parseTraceLine over ${LINES} tracer lines in ${CHUNK / 1024} KiB chunks vs a plain split of the same chunks (ratio reported); target: <= ${TARGET_VS_VALIDATION_FLOOR} x the validation floor (the same split plus one test of the tracer's layout per line) and heap flat (growth <= ${FLAT_MB} MB from the first tenth to the end)`,
    () => {
      events = parseStream(chunks);
    },
    () => plainSplit(chunks),
    TARGET_VS_VALIDATION_FLOOR,
  );
  const floorRuns: number[] = [];
  for (let i = 0; i < r.runs_ms.length; i++) floorRuns.push(await timeIt(() => allocationFloor(chunks)));
  r.allocation_floor_median_ms = round(median(floorRuns));
  r.allocation_floor_ratio = round(median(floorRuns) / r.baseline_median_ms, 2);
  const validationRuns: number[] = [];
  let validated = 0;
  for (let i = 0; i < r.runs_ms.length; i++)
    validationRuns.push(await timeIt(() => (validated = validationFloor(chunks))));
  r.validation_floor_median_ms = round(median(validationRuns));
  r.validation_floor_ratio = round(median(validationRuns) / r.baseline_median_ms, 2);
  // The layout test must accept exactly the events the parser finds, or the floor measures nothing.
  r.validation_floor_events = validated;
  let atTenth = 0;
  gc();
  parseStream(chunks, () => {
    gc();
    atTenth = process.memoryUsage().heapUsed;
  });
  gc();
  const growthMb = (process.memoryUsage().heapUsed - atTenth) / 2 ** 20;
  r.events = events;
  r.heap_growth_mb = round(growthMb, 2);
  r.heap_measured = typeof (globalThis as { gc?: unknown }).gc === "function";
  // The target as restated (issue 18): a parser that returns events cannot come within 2x of a bare
  // split (the validation floor alone is about 6x), so it is held to 2x that floor; the ratio to the
  // split stays reported, and target_ratio applies to ratio_to_validation_floor.
  const toFloor = round(r.median_ms / median(validationRuns), 2);
  r.ratio_to_validation_floor = toFloor;
  r.met =
    toFloor <= TARGET_VS_VALIDATION_FLOOR && r.heap_measured === true && growthMb <= FLAT_MB && validated === events;
  return [r];
}
