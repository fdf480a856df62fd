/**
 * One shared copy of the strings a review repeats. A stream of thousands of identical workloads
 * yields the same field paths and messages thousands of times; keeping one copy of each (instead
 * of one per document) is what keeps a large review's memory and garbage collection small. Caches
 * are bounded: past the bound they start over, which costs time, never correctness.
 */
const BOUND = 10_000;

/**
 * `compute`, remembered per key: each distinct key is computed once. At most about `bound` keys are
 * kept; past that the cache starts over.
 */
export function remembered<K, V>(bound: number, compute: (key: K) => V): (key: K) => V {
  const values = new Map<K, V>();
  return (key) => {
    let value = values.get(key);
    if (value === undefined) {
      value = compute(key);
      if (values.size > bound) values.clear();
      values.set(key, value);
    }
    return value;
  };
}

/**
 * What a rule makes of its settings (normalized lists, sets, the text its messages quote), made
 * once per settings object instead of once per pod template.
 */
export function perSettings<S extends object, T>(derive: (settings: S) => T): (settings: S) => T {
  const bySettings = new WeakMap<S, T>();
  return (settings) => {
    let value = bySettings.get(settings);
    if (value === undefined) bySettings.set(settings, (value = derive(settings)));
    return value;
  };
}

/** The shared copy of a string equal to `s`. */
export const shared: (s: string) => string = remembered(BOUND, (s: string) => s);

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

interface PathNode {
  path: string;
  next?: Map<string | number, PathNode>;
}
const paths = new Map<string, PathNode>();
let pathCount = 0;

/**
 * A field path built from a shared base and keys or indexes: `fieldPath("spec", "containers", 0,
 * "image")` → `spec.containers[0].image` (an empty base: no leading dot). Built once per distinct
 * path; the rules' findings then carry shared strings the review can look up without hashing them.
 */
export function fieldPath(base: string, ...parts: (string | number)[]): string {
  if (pathCount > BOUND) {
    paths.clear();
    pathCount = 0;
  }
  let node = paths.get(base);
  if (node === undefined) {
    paths.set(base, (node = { path: base }));
    pathCount++;
  }
  for (const part of parts) {
    node.next ??= new Map();
    let child: PathNode | undefined = node.next.get(part);
    if (child === undefined) {
      const path: string =
        typeof part === "number" ? `${node.path}[${part}]` : node.path === "" ? part : `${node.path}.${part}`;
      node.next.set(part, (child = { path: shared(path) }));
      pathCount++;
    }
    node = child;
  }
  return node.path;
}
