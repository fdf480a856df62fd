/**
 * `npm run bench -- --peers [--json]` (not in CI: the peers' builds are large): acs-ebpf-review and
 * the tools a user would run instead, each as a whole process (start-up included) on the same
 * generated files of 1, 100, 1,000 and 10,000 Deployments; the median of up to 5 runs, peak RSS,
 * and each tool's time as a ratio to the reviewer's measured in the same run. Then the verdicts:
 * for each variant of the corpus, which tools flag it for capabilities and for privileged, and why.
 *
 * A peer that is not built is built first (bench/peers/build.ts, cached); one that cannot be says
 * why and the run goes on. A peer's time at the next size is projected from its last (linearly,
 * from 100 documents on): over 10 s it runs 3 times, over 60 s once, over the budget not at all, and
 * the row says so.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { PEERS, buildPeer } from "./build";
import { VARIANTS, writeCorpus } from "./corpus";
import { Tool, byWords, peerTools, reviewerTool, verdictOf } from "./tools";

const SIZES = [1, 100, 1_000, 10_000];
const TIME = "/usr/bin/time";

export interface PeerRow {
  tool: string;
  version: string;
  rules: string;
  docs: number;
  median_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  peak_rss_mib: number | null;
  ratio_to_review: number | null;
  /** Median user + system CPU of the runs (GNU time). */
  cpu_median_ms?: number | null;
  runs?: number;
  note?: string;
}

export interface VerdictRow {
  variant: string;
  description: string;
  /** Per tool: flagged for capabilities / privileged, and the first finding that says so. */
  tools: Record<string, { capabilities: boolean; privileged: boolean; reason: string }>;
}

interface Run {
  ms: number;
  rssMib: number | null;
  /** User + system CPU (10 ms resolution): less sensitive than wall time to other load on the machine. */
  cpuMs: number | null;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** One whole-process run, output discarded; peak RSS from GNU time when it is installed. */
function runOnce(argv: string[], scratch: string): Run | { error: string } {
  const rssFile = path.join(scratch, "rss");
  const withTime = fs.existsSync(TIME);
  const [cmd, ...args] = withTime ? [TIME, "-f", "%M %U %S", "-o", rssFile, ...argv] : argv;
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 1_800_000, maxBuffer: 64 << 20 });
  const ms = performance.now() - start;
  if (r.error) return { error: r.error.message };
  if (r.signal) return { error: `killed by ${r.signal}` };
  let rssMib: number | null = null;
  let cpuMs: number | null = null;
  if (withTime) {
    const [kb, user, sys] = fs.readFileSync(rssFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    if (Number.isFinite(kb)) rssMib = round(kb / 1024);
    if (Number.isFinite(user + sys)) cpuMs = Math.round((user + sys) * 1000);
  }
  return { ms, rssMib, cpuMs };
}

export interface PeersOptions {
  /** Longest a tool may be projected to take at one size before it is skipped there (ms). */
  budgetMs: number;
  /** Build missing peers first (they are cached; the heavy ones take many minutes). */
  build: boolean;
  /** Each row as it is measured (a long run's results survive an interruption). */
  progress?: (row: PeerRow) => void;
  /** Only these peers (the reviewer always runs: ratios are to it). */
  only?: string[];
  log: (line: string) => void;
}

export async function peerBenchmarks(options: PeersOptions): Promise<{ rows: PeerRow[]; verdicts: VerdictRow[] }> {
  if (options.build)
    for (const peer of PEERS) if (!options.only || options.only.includes(peer.tool)) buildPeer(peer, options.log);
  const reviewer = reviewerTool();
  const available = peerTools();
  const wanted = (name: string) => !options.only || options.only.includes(name);
  // Node's own start, measured at one document only: the least any Node program can take.
  const floor: Tool = {
    tool: "node -e 0",
    version: process.version,
    rules: "Node's own start, no review",
    command: () => [process.execPath, "-e", "0"],
    findings: () => [],
  };
  const tools: Tool[] = [floor, reviewer, ...available.flatMap((a) => (a.tool && wanted(a.tool.tool) ? [a.tool] : []))];
  const rows: PeerRow[] = [];
  for (const a of available)
    if (!a.tool && wanted(a.peer.tool))
      rows.push({
        tool: a.peer.tool,
        version: a.peer.version,
        rules: a.peer.rules,
        docs: 0,
        median_ms: null,
        min_ms: null,
        max_ms: null,
        peak_rss_mib: null,
        ratio_to_review: null,
        note: `not measured: ${a.why}`,
      });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "acs-ebpf-peers-"));
  try {
    const last = new Map<string, { docs: number; ms: number }>();
    for (const docs of SIZES) {
      const file = path.join(scratch, `deployments-${docs}.yaml`);
      writeCorpus(file, docs);
      let reviewMs: number | null = null;
      for (const tool of tools) {
        if (tool === floor && docs !== 1) continue;
        // Projected linearly from the last size measured; one document is start-up, not a rate.
        const prev = last.get(tool.tool);
        const projected = prev && prev.docs >= 100 ? (prev.ms * docs) / prev.docs : 0;
        const row: PeerRow = {
          tool: tool.tool,
          version: tool.version,
          rules: tool.rules,
          docs,
          median_ms: null,
          min_ms: null,
          max_ms: null,
          peak_rss_mib: null,
          ratio_to_review: null,
        };
        rows.push(row);
        if (projected > options.budgetMs && tool !== reviewer) {
          row.note = `skipped: projected ${Math.round(projected / 1000)} s from ${prev!.docs} documents, over the ${options.budgetMs / 1000} s budget (--peers-budget SECONDS)`;
          last.set(tool.tool, { docs, ms: projected });
          continue;
        }
        const runs = projected > 60_000 ? 1 : projected > 10_000 ? 3 : 5; // plus a warm-up run when more than 1
        options.log(`${tool.tool} on ${docs} documents: ${runs} run(s)`);
        const measured: Run[] = [];
        if (runs > 1) runOnce(tool.command(file), scratch); // warm the file cache and the tool's own
        for (let i = 0; i < runs; i++) {
          const r = runOnce(tool.command(file), scratch);
          if ("error" in r) {
            row.note = `failed: ${r.error}`;
            break;
          }
          measured.push(r);
        }
        if (measured.length === 0) continue;
        const ms = measured.map((r) => r.ms);
        row.median_ms = round(median(ms));
        row.min_ms = round(Math.min(...ms));
        row.max_ms = round(Math.max(...ms));
        row.runs = runs;
        const cpu = measured.flatMap((r) => (r.cpuMs === null ? [] : [r.cpuMs]));
        row.cpu_median_ms = cpu.length ? median(cpu) : null;
        const rss = measured.flatMap((r) => (r.rssMib === null ? [] : [r.rssMib]));
        row.peak_rss_mib = rss.length ? Math.max(...rss) : null;
        if (tool === reviewer) reviewMs = row.median_ms;
        last.set(tool.tool, { docs, ms: row.median_ms });
        options.progress?.(row);
      }
      for (const row of rows)
        if (row.docs === docs && row.median_ms !== null && reviewMs)
          row.ratio_to_review = round(row.median_ms / reviewMs, 2);
      fs.rmSync(file, { force: true });
    }

    const verdicts: VerdictRow[] = [];
    for (const variant of VARIANTS) {
      const file = path.join(scratch, `${variant.name}.yaml`);
      fs.writeFileSync(file, variant.document(variant.name));
      const row: VerdictRow = { variant: variant.name, description: variant.description, tools: {} };
      for (const tool of tools) {
        if (tool === floor) continue;
        const v = verdictOf(tool, file);
        const about = v.findings.map((f) => ({ f, ...(tool.about ?? byWords)(f) }));
        const caps = about.find((a) => a.capabilities);
        const priv = about.find((a) => a.privileged);
        row.tools[tool.tool] = {
          capabilities: caps !== undefined,
          privileged: priv !== undefined,
          reason: v.error
            ? `error: ${v.error}`
            : [caps?.f, priv && priv !== caps ? priv.f : undefined].filter(Boolean).join(" | ") ||
              (v.findings.length ? `${v.findings.length} other finding(s), e.g. ${v.findings[0]}` : "nothing"),
        };
      }
      verdicts.push(row);
    }
    return { rows, verdicts };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table: one line per tool, one column per size. */
export function timingTable(rows: PeerRow[]): string {
  const tools = [...new Set(rows.map((r) => r.tool))];
  const head = `| tool (rules) | ${SIZES.map((s) => `${s.toLocaleString("en")} docs`).join(" | ")} | peak RSS @${SIZES[SIZES.length - 1].toLocaleString("en")} |`;
  const out = [head, `|---|${SIZES.map(() => "---|").join("")}---|`];
  for (const tool of tools) {
    const mine = rows.filter((r) => r.tool === tool);
    const cell = (docs: number) => {
      const r = mine.find((m) => m.docs === docs);
      if (!r || r.median_ms === null) return "—";
      const ratio = r.ratio_to_review !== null && tool !== "acs-ebpf-review" ? ` (${r.ratio_to_review}×)` : "";
      return `${(r.median_ms / 1000).toFixed(r.median_ms < 100 ? 3 : 2)} s${ratio}`;
    };
    const lastRow = mine.find((m) => m.docs === SIZES[SIZES.length - 1]);
    const first = mine[0];
    out.push(
      `| ${tool} ${first.version} (${first.rules}) | ${SIZES.map(cell).join(" | ")} | ${lastRow?.peak_rss_mib != null ? `${lastRow.peak_rss_mib} MiB` : "—"} |`,
    );
  }
  return out.join("\n");
}

export function verdictTable(verdicts: VerdictRow[]): string {
  const tools = Object.keys(verdicts[0]?.tools ?? {});
  const mark = (v: { capabilities: boolean; privileged: boolean }) =>
    [v.capabilities ? "caps" : "", v.privileged ? "priv" : ""].filter(Boolean).join("+") || "pass";
  const out = [`| variant | ${tools.join(" | ")} |`, `|---|${tools.map(() => "---|").join("")}`];
  for (const v of verdicts) out.push(`| ${v.variant} | ${tools.map((t) => mark(v.tools[t])).join(" | ")} |`);
  return out.join("\n");
}

/** Each variant's verdicts with their reasons, and where a peer disagrees with the reviewer. */
export function verdictDetails(verdicts: VerdictRow[]): string {
  const out: string[] = [];
  const mark = (v: { capabilities: boolean; privileged: boolean }) =>
    [v.capabilities ? "capabilities" : "", v.privileged ? "privileged" : ""].filter(Boolean).join(" + ") || "passes";
  for (const v of verdicts) {
    out.push(`- **${v.variant}** (${v.description})`);
    const mine = v.tools["acs-ebpf-review"];
    for (const [tool, t] of Object.entries(v.tools)) {
      const differs = mine && tool !== "acs-ebpf-review" && mark(t) !== mark(mine) ? " (disagrees)" : "";
      out.push(`  - ${tool}: ${mark(t)}${differs}: ${t.reason.slice(0, 240)}`);
    }
  }
  return out.join("\n");
}
