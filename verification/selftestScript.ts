/**
 * The in-image self-test (images/ebpf-workbench/ebpf-selftest) classifies failures with the same
 * table as the verification: its `classify` and `remedy` shell functions are generated from
 * verification/failures.ts and committed between the GENERATED markers (the image has no Node.js).
 * `npm run generate:selftest` rewrites them; test/image/selftest.test.ts fails when they differ.
 */
import * as fs from "fs";
import * as path from "path";
import { FailureKind, TRACER_EXIT_CODES, TRACER_STDERR_SIGNATURES, remedyFor } from "./failures";

export const SELFTEST_SCRIPT_FILE = path.join(__dirname, "..", "images", "ebpf-workbench", "ebpf-selftest");
const BEGIN = "# BEGIN GENERATED from verification/failures.ts by `npm run generate:selftest`; do not edit.";
const END = "# END GENERATED";

/** The kinds the self-test can report (it runs in the pod: no API, no exec). */
export const SELFTEST_KINDS: readonly FailureKind[] = [
  "tracer-missing",
  "no-btf",
  "kernel-unsupported",
  "operation-not-permitted",
  "tracer-exited",
  "header-timeout",
  "no-matching-event",
];

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The generated shell functions: `classify EXIT_CODE` (reads "${lines[@]}") and `remedy KIND`. */
export function generatedClassifier(): string {
  const out = [
    '# classify EXIT_CODE: the failure kind from the tracer\'s output ("${lines[@]}") and exit code.',
    "classify() {",
    ...TRACER_STDERR_SIGNATURES.map(
      (s) =>
        `  if printf '%s\\n' "\${lines[@]}" | grep -qiE -- ${shellQuote(s.pattern)}; then echo ${s.kind}; return; fi`,
    ),
    '  case "$1" in',
    ...TRACER_EXIT_CODES.map((e) => `    ${e.codes.join("|")}) echo ${e.kind}; return ;;`),
    "  esac",
    "  echo tracer-exited",
    "}",
    "# remedy KIND: what to do about it.",
    "remedy() {",
    '  case "$1" in',
    ...SELFTEST_KINDS.map((k) => `    ${k}) echo ${shellQuote(remedyFor(k))} ;;`),
    "  esac",
    "}",
  ];
  return out.join("\n");
}

/** The script with its generated block replaced by the current one. */
export function withGeneratedBlock(script: string): string {
  const begin = script.indexOf(BEGIN);
  const end = script.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`ebpf-selftest: the ${BEGIN} / ${END} markers are missing`);
  return `${script.slice(0, begin + BEGIN.length)}\n${generatedClassifier()}\n${script.slice(end)}`;
}

if (require.main === module) {
  fs.writeFileSync(SELFTEST_SCRIPT_FILE, withGeneratedBlock(fs.readFileSync(SELFTEST_SCRIPT_FILE, "utf8")));
  console.log(`regenerated the classifier in ${SELFTEST_SCRIPT_FILE}`);
}
