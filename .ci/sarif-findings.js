// Reads the SARIF log that `Sarif.Multitool validate` wrote about our reviewer's SARIF and fails
// on any error or warning it reports (each printed with its rule and message).
const fs = require("fs");

const log = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
// A result without a level has its rule's default level, else SARIF's default: warning.
const level = (run, r) => r.level || run.tool.driver.rules?.[r.ruleIndex]?.defaultConfiguration?.level || "warning";
const findings = log.runs
  .flatMap((run) => (run.results || []).map((r) => ({ ...r, level: level(run, r) })))
  .filter((r) => r.level === "error" || r.level === "warning");
for (const f of findings) console.error(`${f.level} ${f.ruleId}: ${f.message.text || JSON.stringify(f.message)}`);
console.log(`SARIF Multitool: ${findings.length} errors or warnings`);
process.exit(findings.length ? 1 : 0);
