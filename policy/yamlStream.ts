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

interface SourcePosition {
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

/** The stream's events and source, where each document starts, and for each collection event the index just past its node. */
interface Source {
  events: yaml.Event[];
  text: string;
  documentStarts: number[];
  ends: Int32Array;
}

/** One pass with a stack over the events: the documents' starts, and ends[i] for every MAPPING or SEQUENCE event i (0 elsewhere). */
function indexEvents(events: yaml.Event[], text: string): Source {
  const documentStarts: number[] = [];
  const ends = new Int32Array(events.length);
  const open: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const t = events[i].type;
    if (t === MAPPING || t === SEQUENCE) open.push(i);
    else if (t === POP && open.length > 0) ends[open.pop()!] = i + 1;
    else if (t === DOCUMENT) documentStarts.push(i);
  }
  return { events, text, documentStarts, ends };
}

/** How far a walk along a path got: the deepest node written, where it is written, and whether every segment was found. */
interface Reach {
  best: number;
  node: number;
  complete: boolean;
}

/**
 * A field path prefix's walk from one object's node in one document. Violations of a document come
 * together and share prefixes (a container, its securityContext), so each prefix is walked once per
 * object, one segment from its parent. One entry per distinct prefix string for the whole stream,
 * overwritten by the next document: no map or walk objects are made per document.
 */
interface PrefixWalk extends Reach {
  document: number;
  from: number;
}

/** Parses the text; throws js-yaml's error (message with line and column) on malformed input. */
export function parseYamlStream(text: string): YamlStream {
  const events = yaml.parseEvents(text, {});
  const documents = yaml.constructFromEvents(events, { source: text });
  let lineStarts: Int32Array | undefined;
  let source: Source | undefined;
  const walks = new Map<string, PrefixWalk>();
  return {
    documents,
    locate(document, objectPath, field) {
      source ??= indexEvents(events, text);
      const start = source.documentStarts[document];
      if (start === undefined) return undefined;
      // The object inside the document (List items): a few steps, not kept.
      const inObject = reachFrom(source, start + 1);
      if (inObject === undefined) return undefined;
      for (let k = 0; k < objectPath.length && inObject.complete; k++) stepInto(source, inObject, objectPath[k]);
      if (inObject.best < 0) return undefined;
      let offset = inObject.best;
      if (inObject.complete) {
        const split = splitField(field);
        const segments = split.segments;
        if (segments.length > 0) {
          const inParent = walkPrefix(source, walks, document, inObject, split, segments.length - 1);
          if (inParent.best >= 0) {
            offset = inParent.best;
            if (inParent.complete) {
              stepInto(source, inParent, segments[segments.length - 1]);
              offset = inParent.best;
            }
          }
        }
      }
      lineStarts ??= computeLineStarts(text);
      return positionOf(lineStarts, offset);
    },
  };
}

/** The reach of an empty path from the node at `node`; undefined past the end of a collection. */
function reachFrom(source: Source, node: number): Reach | undefined {
  const first = source.events[node];
  if (!first || first.type === POP) return undefined;
  return { best: nodeOffset(first), node, complete: true };
}

/** Moves `reach` one segment on, or marks it incomplete (keeping where it got) when the child is not written. */
function stepInto(source: Source, reach: Reach, segment: string | number): void {
  const at = findChild(source, reach.node, segment);
  if (at < 0) {
    reach.complete = false;
    return;
  }
  reach.best = nodeOffset(source.events[at]);
  reach.node = typeof segment === "string" ? skipNode(source, at) : at;
}

/** The reach of a field's first `count` segments from `from`, resuming from its longest prefix already walked. */
function walkPrefix(
  source: Source,
  walks: Map<string, PrefixWalk>,
  document: number,
  from: Reach,
  split: SplitField,
  count: number,
): Reach {
  let k = count;
  let known: PrefixWalk | undefined;
  for (; k > 0; k--) {
    known = walks.get(split.prefixes[k]);
    if (known !== undefined && known.document === document && known.from === from.node) break;
    known = undefined;
  }
  const reach: Reach = known
    ? { best: known.best, node: known.node, complete: known.complete }
    : { best: from.best, node: from.node, complete: true };
  for (; k < count && reach.complete; k++) {
    stepInto(source, reach, split.segments[k]);
    const prefix = split.prefixes[k + 1];
    let entry = walks.get(prefix);
    if (entry === undefined)
      walks.set(prefix, (entry = { document, from: from.node, best: 0, node: 0, complete: true }));
    entry.document = document;
    entry.from = from.node;
    entry.best = reach.best;
    entry.node = reach.node;
    entry.complete = reach.complete;
  }
  return reach;
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

/**
 * The child of the node at `node` named by one segment: the index of its key (a mapping's child) or
 * of the item itself (a sequence's); -1 when it is not written.
 */
function findChild(source: Source, node: number, segment: string | number): number {
  const { events, text } = source;
  const e = events[node];
  if (typeof segment === "string" && e.type === MAPPING) {
    for (let j = node + 1; events[j].type !== POP;) {
      const key = events[j];
      if (key.type === SCALAR && keyIs(text, key, segment)) return j;
      j = skipNode(source, skipNode(source, j));
    }
  } else if (typeof segment === "number" && e.type === SEQUENCE) {
    let j = node + 1;
    for (let k = 0; k < segment && events[j].type !== POP; k++) j = skipNode(source, j);
    if (events[j].type !== POP) return j;
  }
  return -1;
}

/** Compares a key without decoding it when js-yaml marks it as a plain slice of the source. */
function keyIs(text: string, key: yaml.ScalarEvent, segment: string): boolean {
  if (key.fast) return key.valueEnd - key.valueStart === segment.length && text.startsWith(segment, key.valueStart);
  return yaml.getScalarValue(text, key) === segment;
}

/** Offsets where lines start, in one pass (manifests average about 30 characters a line). */
function computeLineStarts(text: string): Int32Array {
  let starts = new Int32Array((text.length >> 5) + 16);
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    if (n === starts.length) {
      const grown = new Int32Array(n * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = i + 1;
  }
  return starts.subarray(0, n);
}

function positionOf(lineStarts: Int32Array, offset: number): SourcePosition {
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
