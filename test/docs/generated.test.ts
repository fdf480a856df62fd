import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS, type ConfigKey } from "../../core/configKeys";
import { RULES } from "../../policy/rules";
import { STACK_RULES } from "../../policy/stackRules";
import { BLOCKS, ROOT, configKeysTable, regenerate, rulesTable, withBlock } from "../../tools/docs/generate";

describe("docs generated from the code (npm run docs)", () => {
  test.each(regenerate().map((r) => [r.file, r]))("%s is up to date", (_file, { current, generated }) => {
    // On failure: run `npm run docs` and commit the result.
    expect(current).toBe(generated);
  });

  test("the config table has one row per config key, with its default", () => {
    const table = configKeysTable();
    for (const [key, spec] of Object.entries(CONFIG_KEYS as Record<string, ConfigKey>)) {
      const row = table.split("\n").find((l) => l.startsWith(`| \`acs-ebpf:${key}\` |`));
      expect(row).toBeDefined();
      if (typeof spec.default === "string") expect(row).toContain(`\`${spec.default}\``);
    }
    expect(table).toMatch(/\| `acs-ebpf:registryPassword` \| string, \*\*secret\*\* \|/);
  });

  test("the rule table anchors every rule the SARIF help links name, with its default level", () => {
    const table = rulesTable();
    for (const rule of [...RULES, ...STACK_RULES]) {
      expect(table).toContain(
        `| <a id="rule-${rule.name}"></a>\`${rule.name}\` | ${rule.since} | ${rule.defaultLevel} |`,
      );
    }
    expect(table).toMatch(/`drop-all` \| 0\.1\.0 \| mandatory \| each pod template \| yes \|/);
    expect(table).toMatch(/`ebpf-verification` \| 0\.1\.0 \| mandatory \| the Pulumi stack \| {2}\|/);
  });

  test("a stale table is detected, and a file without markers is named", () => {
    const block = BLOCKS[0];
    const file = path.join(ROOT, block.file);
    const fresh = withBlock(fs.readFileSync(file, "utf8"), block);
    const stale = fresh.replace("| `acs-ebpf:name` |", "| `acs-ebpf:nom` |");
    expect(stale).not.toBe(fresh);
    expect(withBlock(stale, block)).toBe(fresh);
    expect(() => withBlock("# no markers\n", block)).toThrow(`${block.file}: needs the markers`);
  });
});
