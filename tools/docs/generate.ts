/**
 * The tables in docs/ that are derived from code: the stack config keys (core/configKeys.ts) and the
 * policy rules (policy/rules and policy/stackRules.ts). Each sits between two marker comments and is
 * rewritten by `npm run docs`; test/docs/generated.test.ts fails when a committed table is stale.
 * The renderers only read the exported tables, so a new source of option definitions is one import.
 */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS, qualified, type ConfigKey } from "../../core/configKeys";
import { resourcePolicies } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { STACK_RULES } from "../../policy/stackRules";
import type { Rule } from "../../policy/types";

export const ROOT = path.join(__dirname, "..", "..");

/** A table cell: pipes escaped, newlines flattened, `<…>` outside code spans kept as text (not HTML). */
function cell(text: string): string {
  const flat = text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
  return flat
    .split("`")
    .map((part, i) => (i % 2 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("`");
}

function defaultOf(spec: ConfigKey): string {
  if (spec.default === undefined) return "";
  if (Array.isArray(spec.default)) return `\`[${spec.default.join(", ")}]\``;
  return `\`${String(spec.default)}\``;
}

function typeOf(spec: ConfigKey): string {
  const type = spec.items === "object" ? "array of objects" : spec.type;
  return spec.secret ? `${type}, **secret**` : type;
}

export function configKeysTable(keys: Record<string, ConfigKey> = CONFIG_KEYS): string {
  const rows = Object.entries(keys).map(
    ([name, spec]) =>
      `| \`${qualified(name)}\` | ${typeOf(spec)} | ${cell(defaultOf(spec))} | ${cell(spec.description)} |`,
  );
  return ["| key | type | default | description |", "|---|---|---|---|", ...rows].join("\n");
}

type RuleHead = Pick<Rule, "name" | "since" | "description" | "defaultLevel" | "settings">;

export function rulesTable(
  podRules: readonly RuleHead[] = RULES,
  stackRules: readonly RuleHead[] = STACK_RULES,
  remediable: ReadonlySet<string> = new Set(resourcePolicies().flatMap((p) => (p.remediateResource ? [p.name] : []))),
): string {
  const row = (rule: RuleHead, scope: string) => {
    const settings = rule.settings.map((s) => `\`${s}\``).join(", ");
    const fix = remediable.has(rule.name) ? "yes" : "";
    return `| <a id="rule-${rule.name}"></a>\`${rule.name}\` | ${rule.since} | ${rule.defaultLevel} | ${scope} | ${fix} | ${settings} | ${cell(rule.description)} |`;
  };
  return [
    "| rule | since | default level | applies to | remediates | settings | checks |",
    "|---|---|---|---|---|---|---|",
    ...podRules.map((r) => row(r, "each pod template")),
    ...stackRules.map((r) => row(r, "the Pulumi stack")),
  ].join("\n");
}

export interface GeneratedBlock {
  /** Path from the repository root. */
  file: string;
  /** The name in the marker comments. */
  name: string;
  render(): string;
}

export const BLOCKS: readonly GeneratedBlock[] = [
  { file: "docs/configuration.md", name: "config-keys", render: () => configKeysTable() },
  { file: "docs/policy.md", name: "rules", render: () => rulesTable() },
];

const begin = (name: string) => `<!-- BEGIN GENERATED ${name}: npm run docs rewrites this table from the code -->`;
const end = (name: string) => `<!-- END GENERATED ${name} -->`;

/** The text with the block's markers' contents replaced; an error naming the file when a marker is missing. */
export function withBlock(text: string, block: GeneratedBlock): string {
  const start = text.indexOf(begin(block.name));
  const stop = text.indexOf(end(block.name));
  if (start < 0 || stop < start) {
    throw new Error(`${block.file}: needs the markers ${JSON.stringify(begin(block.name))} and ${end(block.name)}`);
  }
  return `${text.slice(0, start)}${begin(block.name)}\n${block.render()}\n${text.slice(stop)}`;
}

/** Every file with its blocks regenerated, in memory: {file, current, generated}. */
export function regenerate(root = ROOT): { file: string; current: string; generated: string }[] {
  const files = [...new Set(BLOCKS.map((b) => b.file))];
  return files.map((file) => {
    const current = fs.readFileSync(path.join(root, file), "utf8");
    const generated = BLOCKS.filter((b) => b.file === file).reduce((text, b) => withBlock(text, b), current);
    return { file, current, generated };
  });
}

if (require.main === module) {
  for (const { file, current, generated } of regenerate()) {
    if (generated === current) continue;
    fs.writeFileSync(path.join(ROOT, file), generated);
    console.log(`rewrote ${file}`);
  }
}
