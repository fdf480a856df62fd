/**
 * Multi-document YAML (as `helm template` and `kustomize build` print it) loaded with js-yaml, and
 * the source line of a field path, found on demand.
 *
 * Loading is js-yaml's own `loadAll` in its two steps (parseEvents, then constructFromEvents), so it
 * costs the same; the event stream it keeps carries source offsets. Positions are looked up only for
 * documents that have violations, by walking that document's events: no second parser, no second
 * pass over documents without findings.
 */
import * as yaml from "js-yaml";
import { remembered } from "./shared";

/** A field path split into keys and sequence indexes: `a.b[0]["x.y"]` → ["a", "b", 0, "x.y"]. */
export type FieldSegments = (string | number)[];

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface YamlStream {
  documents: unknown[];
  /**
   * Where a field of a document is written: `objectPath` leads to the object inside the document
   * (List items), `field` is the rule's field path inside it. The nearest written ancestor when the
   * field itself is absent (a missing `securityContext` points at its container). Undefined for an
   * empty document.
   */
  locate(document: number, objectPath: FieldSegments, field: string): SourcePosition | undefined;
}

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, POP } = yaml.EVENT_ID;

/** The stream's events and source, and for each collection event the index just past its node. */
interface Source {
  events: yaml.Event[];
  text: string;
  ends: Int32Array;
}

/** One pass with a stack: ends[i] for every MAPPING or SEQUENCE event i (0 elsewhere). */
function nodeEnds(events: yaml.Event[]): Int32Array {
  const ends = new Int32Array(events.length);
  const open: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const t = events[i].type;
    if (t === MAPPING || t === SEQUENCE) open.push(i);
    else if (t === POP && open.length > 0) ends[open.pop()!] = i + 1;
  }
  return ends;
}

/** Parses the text; throws js-yaml's error (message with line and column) on malformed input. */
export function parseYamlStream(text: string): YamlStream {
  const events = yaml.parseEvents(text, {});
  const documents = yaml.constructFromEvents(events, { source: text });
  let documentStarts: number[] | undefined;
  let lineStarts: number[] | undefined;
  let source: Source | undefined;
  // Violations of one document come together and share path prefixes (an item, a container, its
  // securityContext): each prefix is walked to once per document, one segment from its parent.
  let cachedDocument = -1;
  let root: Walk | undefined;
  return {
    documents,
    locate(document, objectPath, field) {
      if (documentStarts === undefined || source === undefined) {
        documentStarts = [];
        for (let i = 0; i < events.length; i++) if (events[i].type === DOCUMENT) documentStarts.push(i);
        source = { events, text, ends: nodeEnds(events) };
      }
      const start = documentStarts[document];
      if (start === undefined) return undefined;
      if (cachedDocument !== document) {
        cachedDocument = document;
        root = startWalk(events, start + 1);
      }
      if (root === undefined) return undefined;
      const inObject = walkTo(source, root, objectPath, objectPath.length);
      if (inObject.best < 0) return undefined;
      let offset = inObject.best;
      if (inObject.complete) {
        const split = splitField(field);
        const segments = split.segments;
        if (segments.length > 0) {
          const fieldRoot = (inObject.fieldRoot ??= startWalk(events, inObject.node)!);
          const inParent = walkToPrefix(source, fieldRoot, split, segments.length - 1);
          if (inParent.best >= 0) {
            offset = inParent.best;
            if (inParent.complete) offset = findChild(source, inParent.node, segments[segments.length - 1])?.offset ?? offset;
          }
        }
      }
      lineStarts ??= computeLineStarts(text);
      return positionOf(lineStarts, offset);
    },
  };
}

/**
 * Where a walk of some segments from one starting node ended (the deepest one written), kept per prefix so a
 * longer path continues from its parent's state instead of walking again from the start.
 */
interface Walk {
  best: number;
  node: number;
  complete: boolean;
  next: Map<string | number, Walk> | undefined;
  /** A fresh walk from this node (a field path inside the object at this path). */
  fieldRoot: Walk | undefined;
  /** Field walks from this root by their prefix string (one lookup instead of one per segment). */
  byPrefix?: Map<string, Walk>;
}

function startWalk(events: yaml.Event[], node: number): Walk | undefined {
  const first = events[node];
  if (!first || first.type === POP) return undefined;
  return { best: nodeOffset(first), node, complete: true, next: undefined, fieldRoot: undefined };
}

/** The walk of segments[0..count) from `from`, each prefix walked once and kept. */
function walkTo(source: Source, from: Walk, segments: FieldSegments, count: number): Walk {
  let at = from;
  for (let k = 0; k < count && at.complete; k++) {
    const segment = segments[k];
    at.next ??= new Map();
    let next = at.next.get(segment);
    if (next === undefined) at.next.set(segment, (next = step(source, at, segment)));
    at = next;
  }
  return at;
}

/** walkTo for a field's first `count` segments, resuming from its longest prefix already walked. */
function walkToPrefix(source: Source, root: Walk, split: SplitField, count: number): Walk {
  const walked = (root.byPrefix ??= new Map());
  let k = count;
  let at: Walk | undefined;
  while (k > 0 && (at = walked.get(split.prefixes[k])) === undefined) k--;
  at ??= root;
  for (; k < count && at.complete; k++) walked.set(split.prefixes[k + 1], (at = step(source, at, split.segments[k])));
  return at;
}

function step(source: Source, at: Walk, segment: string | number): Walk {
  const found = findChild(source, at.node, segment);
  if (found === undefined) return { best: at.best, node: at.node, complete: false, next: undefined, fieldRoot: undefined };
  return { best: found.offset, node: found.node, complete: true, next: undefined, fieldRoot: undefined };
}

function nodeOffset(e: yaml.Event): number {
  if (e.type === SCALAR) return e.valueStart >= 0 ? e.valueStart : e.tagStart >= 0 ? e.tagStart : e.anchorStart;
  if (e.type === MAPPING || e.type === SEQUENCE) return e.start;
  return -1;
}

/** Index just past the node that starts at `i`. */
function skipNode(source: Source, i: number): number {
  const t = source.events[i].type;
  return t === MAPPING || t === SEQUENCE ? source.ends[i] || source.events.length : i + 1;
}

/** The child of the node at `node` named by one segment: where it is written and its value's index. */
function findChild(source: Source, node: number, segment: string | number): { offset: number; node: number } | undefined {
  const { events, text } = source;
  const e = events[node];
  if (typeof segment === "string" && e.type === MAPPING) {
    for (let j = node + 1; events[j].type !== POP; ) {
      const key = events[j];
      const valueAt = skipNode(source, j);
      if (key.type === SCALAR && keyIs(text, key, segment)) return { offset: nodeOffset(key), node: valueAt };
      j = skipNode(source, valueAt);
    }
  } else if (typeof segment === "number" && e.type === SEQUENCE) {
    let j = node + 1;
    for (let k = 0; k < segment && events[j].type !== POP; k++) j = skipNode(source, j);
    if (events[j].type !== POP) return { offset: nodeOffset(events[j]), node: j };
  }
  return undefined;
}

/** Compares a key without decoding it when js-yaml marks it as a plain slice of the source. */
function keyIs(text: string, key: yaml.ScalarEvent, segment: string): boolean {
  if (key.fast) return key.valueEnd - key.valueStart === segment.length && text.startsWith(segment, key.valueStart);
  return yaml.getScalarValue(text, key) === segment;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(lineStarts: number[], offset: number): SourcePosition {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
}

const SEGMENT = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

interface SplitField {
  segments: FieldSegments;
  /** prefixes[k]: the path of the first k segments as written (prefixes[0] is ""). */
  prefixes: string[];
}

// Rules write a few hundred distinct paths; split each once.
const splitField: (field: string) => SplitField = remembered(10_000, split);

/** Splits a rule's field path; [] when it is not a path (e.g. `(policy setting kernel)`). */
export function fieldSegments(field: string): FieldSegments {
  return splitField(field).segments;
}

function split(field: string): SplitField {
  const segments: FieldSegments = [];
  const prefixes = [""];
  let rest = field;
  while (rest !== "") {
    const m = SEGMENT.exec(rest);
    if (!m) return { segments: [], prefixes: [""] };
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(JSON.parse(m[3]) as string);
    rest = rest.slice(m[0].length);
    prefixes.push(field.slice(0, field.length - rest.length));
  }
  return { segments, prefixes };
}
