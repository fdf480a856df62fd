/** Values that arrive later: checks of plain inputs leave them to the step that resolves them. */

/** A value a later step resolves (a Pulumi Output or a Promise): checked when it resolves, not here. */
export function isDeferred(value: unknown): boolean {
  const v = value as { apply?: unknown; then?: unknown } | null;
  return typeof v === "object" && v !== null && (typeof v.apply === "function" || typeof v.then === "function");
}
