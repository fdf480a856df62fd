/**
 * Finds planted secret values (canaries, plain letters and digits) in text: as is, and inside
 * base64 up to three levels deep (a pull Secret's `.dockerconfigjson` holds base64(user:password), and Kubernetes `data`
 * base64-encodes the whole JSON again), so an encoded leak counts as a leak.
 */

export interface CanaryHit {
  canary: string;
  /** How it was found: "plain", or the chain of decodings, e.g. "base64>base64". */
  encoding: string;
  /** A few characters around the hit (with the canary masked), to find the place. */
  context: string;
}

const BASE64_TOKEN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

function decodeBase64(token: string): string | undefined {
  const normalized = token.replace(/-/g, "+").replace(/_/g, "/");
  const text = Buffer.from(normalized, "base64").toString("utf8");
  // Keep decodings that are mostly printable text; random tokens decode to binary.
  const printable = text.replace(/[^\x20-\x7e\n\r\t]/g, "");
  return text.length > 0 && printable.length / text.length > 0.9 ? text : undefined;
}

function mask(text: string, canary: string): string {
  return text.split(canary).join("<canary>");
}

/** Every canary found in `text`; empty when none leaked. */
export function findCanaries(text: string, canaries: readonly string[], depth = 3, encoding = "plain"): CanaryHit[] {
  const hits: CanaryHit[] = [];
  for (const canary of canaries) {
    const i = text.indexOf(canary);
    if (i >= 0)
      hits.push({ canary, encoding, context: mask(text.slice(Math.max(0, i - 40), i + canary.length + 40), canary) });
  }
  if (depth === 0) return hits;
  const found = new Set(hits.map((h) => h.canary));
  for (const token of text.match(BASE64_TOKEN) ?? []) {
    // The token may start with characters that are not part of the base64 value: try each alignment.
    for (const shift of [0, 1, 2, 3]) {
      const decoded = decodeBase64(token.slice(shift, shift + Math.floor((token.length - shift) / 4) * 4));
      if (decoded === undefined) continue;
      for (const hit of findCanaries(
        decoded,
        canaries.filter((c) => !found.has(c)),
        depth - 1,
        encoding === "plain" ? "base64" : `${encoding}>base64`,
      )) {
        found.add(hit.canary);
        hits.push(hit);
      }
    }
  }
  return hits;
}

/**
 * Splits text that may hold an engine event stream (`pulumi up --json`, `--event-log`: one JSON
 * event per line) into what is scanned as is and the debug diagnostics, which are kept apart: the
 * Node.js SDK debug-logs every RegisterResource response, secret outputs included (docs/design.md#pulumi-facts).
 */
export function separateDebugEvents(text: string): { rest: string; debug: string[] } {
  const rest: string[] = [];
  const debug: string[] = [];
  for (const line of text.split("\n")) {
    let event: { diagnosticEvent?: { severity?: string; message?: string } } | undefined;
    try {
      event = line.trimStart().startsWith("{") ? JSON.parse(line) : undefined;
    } catch {
      event = undefined;
    }
    if (event?.diagnosticEvent?.severity === "debug") debug.push(event.diagnosticEvent.message ?? "");
    else rest.push(line);
  }
  return { rest: rest.join("\n"), debug };
}
