/**
 * How each tool is run on a file, and what its output says about a workload: the lines that report
 * a failure, and of those, the ones about capabilities and about privileged containers.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PEERS, Peer, TRIVY_CHECKS, buildState, peerDir } from "./build";

const ROOT = path.join(__dirname, "..", "..");

export interface Tool {
  tool: string;
  version: string;
  rules: string;
  /** argv for reviewing one file (output discarded when timed). */
  command(file: string): string[];
  /** argv whose output the verdict is read from (default: command). */
  verdictCommand?(file: string): string[];
  /** The output lines that report a failure. */
  findings(stdout: string): string[];
  /** Of a finding, whether it is about capabilities / a privileged container (default: by its words). */
  about?(finding: string): { capabilities: boolean; privileged: boolean };
}

export const byWords = (finding: string) => ({
  capabilities: /capabilit|CAP_|SYS_ADMIN|NET_RAW/i.test(finding),
  privileged:
    /privileged(?! ?escalation)|privileged containers/i.test(finding) && !/allowPrivilegeEscalation/.test(finding),
});

const lines = (text: string) => text.split("\n");

/** trivy-checks' IDs: what each of those about capabilities or privileged containers checks. */
const CAPABILITY_CHECKS = /\bKSV-?0*(3|4|5|22|106|119)\b/;
const PRIVILEGED_CHECKS = /\bKSV-?0*17\b/;
const byCheckId = (f: string) => ({ capabilities: CAPABILITY_CHECKS.test(f), privileged: PRIVILEGED_CHECKS.test(f) });

export function reviewerTool(): Tool {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const bin = path.join(ROOT, "dist", "cli", "review.js");
  return {
    tool: "acs-ebpf-review",
    version,
    rules: "all rules, defaults",
    command: (file) => [process.execPath, bin, file],
    verdictCommand: (file) => [process.execPath, bin, "--format", "json", file],
    findings(stdout) {
      const report = JSON.parse(stdout) as { violations: { rule: string; message: string }[] };
      return report.violations.map((v) => `${v.rule}: ${v.message}`);
    },
    about: (f) => ({
      capabilities: /^(capabilities|ebpf-least-privilege|drop-all):/.test(f),
      privileged: /^privileged:/.test(f),
    }),
  };
}

/** The rego trivy-checks ships for these IDs, made to run under plain conftest. */
const CONFTEST_CHECKS = [
  "KSV001",
  "KSV003",
  "KSV005",
  "KSV009",
  "KSV010",
  "KSV012",
  "KSV014",
  "KSV017",
  "KSV022",
  "KSV106",
];

/**
 * trivy-checks' rego reports through trivy's own `result.new(msg, cause)`, which plain OPA does not
 * have: each check gets a one-line stand-in that returns the message. Its lib/kubernetes comes along.
 */
function prepareConftestPolicy(dir: string): string {
  const checks = path.join(dir, "trivy-checks");
  const out = path.join(dir, "policy");
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const rego = (folder: string) =>
    fs
      .readdirSync(folder, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"))
      .map((f) => path.join(folder, f));
  for (const file of rego(path.join(checks, "lib", "kubernetes")))
    fs.copyFileSync(file, path.join(out, `lib-${path.basename(file)}`));
  const found = new Set<string>();
  for (const file of rego(path.join(checks, "checks", "kubernetes"))) {
    const text = fs.readFileSync(file, "utf8");
    const id = /^#\s+id:\s+(KSV\d+)\s*$/m.exec(text)?.[1];
    if (!id || !CONFTEST_CHECKS.includes(id)) continue;
    found.add(id);
    fs.writeFileSync(
      path.join(out, `${id}.rego`),
      `${text.replace(/\bresult\.new\(/g, "trivy_result_new(")}\n\ntrivy_result_new(msg, _) := msg\n`,
    );
  }
  const missing = CONFTEST_CHECKS.filter((c) => !found.has(c));
  if (missing.length) throw new Error(`${TRIVY_CHECKS} has no rego for ${missing.join(", ")}`);
  return out;
}

const KYVERNO_POLICY = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: podsecurity-restricted
spec:
  background: true
  rules:
    - name: restricted
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        podSecurity:
          level: restricted
          version: latest
`;

function peerTool(peer: Peer): Tool | undefined {
  const dir = peerDir(peer);
  const bin = (name: string) => path.join(dir, "bin", name);
  switch (peer.tool) {
    case "kubeconform":
      return {
        ...peer,
        command: (file) => [
          bin("kubeconform"),
          "-strict",
          "-summary",
          "-schema-location",
          path.join(dir, "schemas", "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
          file,
        ],
        findings: (out) => lines(out).filter((l) => / - (?:is invalid|failed validation)/.test(l)),
      };
    case "kube-score":
      return {
        ...peer,
        command: (file) => [bin("kube-score"), "score", file],
        findings: (out) => {
          // A check's heading, then its comment lines: one finding per comment, named by its check.
          const found: string[] = [];
          let check = "";
          for (const l of lines(out)) {
            const heading = /\[(CRITICAL|WARNING)\]\s+(.*)$/.exec(l);
            if (heading) check = `${heading[1]} ${heading[2].trim()}`;
            else if (check && /^\s+·/.test(l)) found.push(`${check}: ${l.trim().replace(/^·\s*/, "")}`);
            else if (!/^\s/.test(l)) check = "";
          }
          return found;
        },
        about: (f) => byWords(f.split(":")[0]),
      };
    case "conftest":
      return {
        ...peer,
        command: (file) => [
          bin("conftest"),
          "test",
          "--all-namespaces",
          "--no-color",
          "-p",
          path.join(dir, "policy"),
          file,
        ],
        findings: (out) => lines(out).filter((l) => /^FAIL /.test(l)),
        about: byCheckId,
      };
    case "checkov":
      return {
        ...peer,
        command: (file) => [
          path.join(dir, "venv", "bin", "checkov"),
          "-f",
          file,
          "--framework",
          "kubernetes",
          "--skip-download",
          "--quiet",
          "--compact",
        ],
        // --quiet prints failed checks only, each as `Check: CKV_K8S_n: "title"`.
        findings: (out) =>
          lines(out)
            .filter((l) => /^Check: CKV/.test(l))
            .map((l) => l.replace(/^Check: /, "")),
      };
    case "kyverno":
      return {
        ...peer,
        command: (file) => [bin("kyverno"), "apply", path.join(dir, "restricted.yaml"), "--resource", file],
        // Each Pod Security control it fails: `(Forbidden reason: <control>, field error list: [<fields>])`.
        findings: (out) =>
          [...out.matchAll(/\(Forbidden reason: ([^,]+), field error list: \[(.*?)\]\)/g)].map(
            (m) => `${m[1]}: ${m[2]}`,
          ),
      };
    case "trivy":
      return {
        ...peer,
        command: (file) => [
          bin("trivy"),
          "config",
          "--quiet",
          "--skip-check-update",
          "--cache-dir",
          path.join(dir, "cache"),
          file,
        ],
        findings: (out) => lines(out).filter((l) => /^(AVD-)?KSV-?\d+ \((LOW|MEDIUM|HIGH|CRITICAL)\):/.test(l)),
        about: byCheckId,
      };
    default:
      return undefined;
  }
}

/** What a peer needs beside its binary, made once from what its build fetched. */
function preparePeer(peer: Peer): void {
  const dir = peerDir(peer);
  if (peer.tool === "conftest" && !fs.existsSync(path.join(dir, "policy", "KSV017.rego"))) prepareConftestPolicy(dir);
  if (peer.tool === "kyverno") fs.writeFileSync(path.join(dir, "restricted.yaml"), KYVERNO_POLICY);
}

export interface PeerAvailability {
  tool: Tool | undefined;
  peer: Peer;
  why?: string;
}

/** Every peer: ready to run, or why not. */
export function peerTools(): PeerAvailability[] {
  return PEERS.map((peer) => {
    const state = buildState(peer);
    if (!state.ready) return { peer, tool: undefined, why: state.why };
    try {
      preparePeer(peer);
    } catch (e) {
      return { peer, tool: undefined, why: `cannot prepare: ${(e as Error).message}` };
    }
    return { peer, tool: peerTool(peer) };
  });
}

/** Runs a tool once for its verdict on one file: its failure lines. */
export function verdictOf(tool: Tool, file: string): { findings: string[]; error?: string } {
  const [cmd, ...args] = (tool.verdictCommand ?? tool.command)(file);
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.error) return { findings: [], error: r.error.message };
  if (r.status !== null && r.status > 1 && tool.tool !== "kyverno")
    return {
      findings: [],
      error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" ")}`,
    };
  return { findings: tool.findings(r.stdout) };
}
