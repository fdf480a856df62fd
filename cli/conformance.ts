/**
 * `npm run conformance -- DIR`: runs our generic rules over the third-party suites in DIR
 * (../shared/conformance: Kyverno and Gatekeeper cases), prints the agreement per policy and in
 * total, every disagreement, and the out-of-scope cases with why. Exit 0 when every in-scope case
 * agrees, 1 below 100%, 2 when DIR cannot be read.
 */
import { CaseResult, runConformance } from "../policy/conformance";

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`;
}

export function formatReport(results: CaseResult[]): { text: string; ok: boolean } {
  const lines: string[] = [];
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const key = `${r.source}/${r.policy}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  lines.push("Agreement per policy (in-scope cases):");
  let agreeTotal = 0;
  let inScopeTotal = 0;
  for (const [key, rs] of groups) {
    const inScope = rs.filter((r) => !r.outOfScope);
    const agree = inScope.filter((r) => r.got === r.expect).length;
    agreeTotal += agree;
    inScopeTotal += inScope.length;
    const rules = [...new Set(inScope.flatMap((r) => r.rules ?? []))].join(", ");
    lines.push(
      `  ${key.padEnd(52)} ${String(agree).padStart(4)}/${String(inScope.length).padEnd(4)} ${pct(agree, inScope.length).padStart(6)}   out of scope: ${rs.length - inScope.length}   our rules: ${rules}`,
    );
  }
  const outOfScope = results.filter((r) => r.outOfScope);
  lines.push(
    `Total: ${agreeTotal}/${inScopeTotal} in-scope cases agree (${pct(agreeTotal, inScopeTotal)}); ${outOfScope.length} of ${results.length} cases out of scope.`,
  );

  const disagreements = results.filter((r) => !r.outOfScope && r.got !== r.expect);
  lines.push("", `Disagreements: ${disagreements.length}`);
  for (const d of disagreements) {
    lines.push(`  ${d.file} ${d.resource} [${d.rule}]: expected ${d.expect}, got ${d.got}`);
    for (const v of d.violations ?? []) lines.push(`      ${v.rule} ${v.container ?? "(pod)"}: ${v.message}`);
  }
  lines.push("", `Out of scope: ${outOfScope.length}`);
  for (const o of outOfScope) lines.push(`  ${o.file} ${o.resource} [${o.rule}]: ${o.outOfScope}`);
  return { text: lines.join("\n"), ok: disagreements.length === 0 && inScopeTotal > 0 };
}

function main(argv: string[]): number {
  if (argv.length !== 1 || argv[0].startsWith("-")) {
    console.error("usage: npm run conformance -- DIR   (DIR: the conformance suites, e.g. ../shared/conformance)");
    return 2;
  }
  let results: CaseResult[];
  try {
    results = runConformance(argv[0]);
  } catch (e) {
    console.error(`conformance: ${(e as Error).message}`);
    return 2;
  }
  const { text, ok } = formatReport(results);
  console.log(text);
  return ok ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
