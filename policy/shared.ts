/**
 * One shared copy of the strings a review repeats. A stream of thousands of identical workloads
 * yields the same field paths and messages thousands of times; keeping one copy of each (instead
 * of one per document) is what keeps a large review's memory and garbage collection small. Caches
 * are bounded: past the bound they start over, which costs time, never correctness.
 */
const BOUND = 10_000;

const strings = new Map<string, string>();

/** The shared copy of a string equal to `s`. */
export function shared(s: string): string {
  const found = strings.get(s);
  if (found !== undefined) return found;
  if (strings.size > BOUND) strings.clear();
  strings.set(s, s);
  return s;
}

/**
 * A message builder that builds each distinct message once: keyed by its (short) arguments, so a
 * repeated message is neither built nor hashed again.
 */
export function sharedText<A extends string[]>(build: (...args: A) => string): (...args: A) => string {
  // One map per argument position (no joined key: arguments may hold any character).
  type Level = Map<string, Level | string>;
  let root: Level = new Map();
  let size = 0;
  return (...args: A) => {
    let level = root;
    for (let i = 0; i < args.length - 1; i++) {
      let next = level.get(args[i]) as Level | undefined;
      if (next === undefined) level.set(args[i], (next = new Map()));
      level = next;
    }
    const last = args[args.length - 1];
    let text = level.get(last) as string | undefined;
    if (text === undefined) {
      text = shared(build(...args));
      if (++size > BOUND) {
        root = new Map(); // start over; this one is not kept
        size = 0;
      } else {
        level.set(last, text);
      }
    }
    return text;
  };
}
