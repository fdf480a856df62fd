/** Quoting for the guests' shell commands. Pure module (the guest's API server bundle imports it: keep it free of host-only modules). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
