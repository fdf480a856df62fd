/**
 * Reading what the real CLI prints: the resources of `pulumi stack export`, and the policy
 * violations in the text report of `pulumi preview --policy-pack` (`--json` leaves them out).
 */
import type { CliResult, Workspace } from "./workspace";
import { expectSuccess } from "./workspace";

export interface StateResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The resources of a `pulumi stack export` result. */
export function stackExport(r: CliResult): StateResource[] {
  expectSuccess(r, "pulumi stack export");
  const doc = JSON.parse(r.stdout) as { deployment?: { resources?: StateResource[] } };
  return doc.deployment?.resources ?? [];
}

/** The types of every resource in the stack's state (the stack itself and providers included). */
export async function stackResources(ws: Workspace, cwd: string, stack: string): Promise<string[]> {
  return stackExport(await ws.pulumi(cwd, ["stack", "export", "--stack", stack])).map((r) => r.type);
}

export interface PolicyViolation {
  level: string;
  policy: string;
  message: string;
}

/**
 * Violations in the CLI's "Policies:" report. Each starts with a line
 * `- [<level>]  <policy>  (<type>: <name>)` followed by its message lines.
 */
export function policyViolations(text: string): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*- \[(\w+)\]\s+(\S+)\s+\(/.exec(lines[i]);
    if (!m) continue;
    const message: string[] = [];
    for (let j = i + 1; j < lines.length && !/^\s*- \[\w+\]/.test(lines[j]) && lines[j].trim() !== ""; j++)
      message.push(lines[j].trim());
    violations.push({ level: m[1], policy: m[2], message: message.join(" ") });
  }
  return violations;
}
