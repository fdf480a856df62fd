/**
 * JUnit XML for CI test reports (GitLab `artifacts:reports:junit`, Jenkins): one testsuite per
 * file, one testcase per workload, one <failure> per mandatory violation (advisory ones go to
 * the testcase's system-out). A file that cannot be read or parsed is a testsuite with one
 * errored testcase.
 */
import type { FileViolation, ReviewReport } from "./inputs";

// XML 1.0 allows tab, LF, CR and the printable ranges; anything else cannot be escaped, only dropped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");
}

function at(v: FileViolation): string {
  return v.line === null ? v.file : `${v.file}:${v.line}`;
}

interface Suite {
  name: string;
  cases: { name: string; failures: FileViolation[]; advisories: FileViolation[] }[];
  error?: string;
}

function suites(report: ReviewReport): Suite[] {
  const byFile = new Map<string, Suite>();
  const suite = (file: string) => {
    let s = byFile.get(file);
    if (!s) byFile.set(file, (s = { name: file, cases: [] }));
    return s;
  };
  for (const f of report.files) suite(f);
  const cases = report.workloads.map((w) => {
    const c: Suite["cases"][number] = { name: w.resource, failures: [], advisories: [] };
    suite(w.file).cases.push(c);
    return c;
  });
  for (const v of report.violations)
    (v.level === "mandatory" ? cases[v.workload].failures : cases[v.workload].advisories).push(v);
  for (const e of report.errors) suite(e.file).error = e.line ? `line ${e.line}: ${e.message}` : e.message;
  return [...byFile.values()];
}

export function formatJunit(report: ReviewReport): string {
  const all = suites(report);
  const total = (f: (s: Suite) => number) => all.reduce((n, s) => n + f(s), 0);
  const testsOf = (s: Suite) => s.cases.length + (s.error ? 1 : 0);
  const failuresOf = (s: Suite) => s.cases.filter((c) => c.failures.length > 0).length;
  const errorsOf = (s: Suite) => (s.error ? 1 : 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites${attrs({ name: "acs-ebpf review", tests: total(testsOf), failures: total(failuresOf), errors: total(errorsOf) })}>`,
  );
  for (const s of all) {
    out.push(
      `  <testsuite${attrs({ name: s.name, tests: testsOf(s), failures: failuresOf(s), errors: errorsOf(s) })}>`,
    );
    if (s.error) {
      out.push(`    <testcase${attrs({ classname: s.name, name: "read and parse", file: s.name })}>`);
      out.push(`      <error${attrs({ message: s.error, type: "input" })}>${xmlEscape(s.error)}</error>`);
      out.push("    </testcase>");
    }
    for (const c of s.cases) {
      const open = `    <testcase${attrs({ classname: s.name, name: c.name, file: s.name })}`;
      if (c.failures.length === 0 && c.advisories.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      for (const v of c.failures) {
        const text = `${at(v)}${v.container ? ` container ${v.container}` : ""}: ${v.message}`;
        out.push(
          `      <failure${attrs({ message: `${v.rule}: ${v.message}`, type: v.rule })}>${xmlEscape(text)}</failure>`,
        );
      }
      if (c.advisories.length) {
        out.push(
          `      <system-out>${xmlEscape(c.advisories.map((v) => `advisory ${v.rule} ${at(v)}: ${v.message}`).join("\n"))}</system-out>`,
        );
      }
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
