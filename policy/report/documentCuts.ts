/**
 * Where a multi-document YAML stream can be cut into pieces that parse on their own: at the start of
 * a `---` line (the directives end marker, which YAML forbids inside any scalar or flow collection),
 * moved up over the `%` directive lines that belong to the document it starts.
 */

/** True when `text[at]` starts a `---` marker line; undefined when the character after it is not read yet. */
function markerAt(text: string, at: number): boolean | undefined {
  if (text.charCodeAt(at) !== 45 || text.charCodeAt(at + 1) !== 45 || text.charCodeAt(at + 2) !== 45) return false;
  if (at + 3 >= text.length) return undefined;
  const c = text.charCodeAt(at + 3);
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The cut before the marker line at `line`: moved up over directive lines directly above it; 0 when that reaches the start. */
function cutAbove(text: string, line: number): number {
  let cut = line;
  while (cut > 0) {
    const above = text.lastIndexOf("\n", cut - 2) + 1;
    if (text.charCodeAt(above) !== 37) break; // '%'
    cut = above;
  }
  return cut;
}

/**
 * The last place in `text` (after its start) where a document begins, or -1: everything before it is
 * whole documents. A marker at the very end, whose next character is not read yet, is not counted.
 */
export function lastDocumentCut(text: string): number {
  for (let nl = text.lastIndexOf("\n---"); nl >= 0; nl = nl > 0 ? text.lastIndexOf("\n---", nl - 1) : -1) {
    if (markerAt(text, nl + 1) !== true) continue;
    const cut = cutAbove(text, nl + 1);
    if (cut > 0) return cut;
  }
  return -1;
}

/** Every place after the start of a complete text where a document begins, in order. */
export function documentCuts(text: string): number[] {
  const cuts: number[] = [];
  for (let nl = text.indexOf("\n---"); nl >= 0; nl = text.indexOf("\n---", nl + 1)) {
    if (markerAt(text, nl + 1) === false) continue;
    const cut = cutAbove(text, nl + 1);
    if (cut > 0 && cut > (cuts[cuts.length - 1] ?? 0)) cuts.push(cut);
  }
  return cuts;
}

/** Lines in `text` before `end` (newlines counted). */
export function countLines(text: string, end = text.length): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
