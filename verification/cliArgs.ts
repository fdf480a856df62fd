/**
 * `npm run verify` arguments and output, as pure functions (the CLI shell is cli/verify.ts).
 */
import type { CheckResult } from "./check";
import type { CheckOptions } from "./checkOptions";
import { formatFailure } from "./failures";
import { formatTraceEvent } from "./traceOutput";

export const VERIFY_USAGE = `Usage: npm run verify -- --namespace N --deployment D [options]

Runs the tcp_connect fentry trace in a Ready pod of the Deployment and prints the evidence.
Exit code: 0 verified, 1 not verified, 2 bad arguments.

Options:
  --namespace N         namespace of the workload (required)
  --deployment D        Deployment name (required)
  --kubeconfig F        kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --context C           kubeconfig context (default: its current-context)
  --container C         container to exec into (default: the pod's first container)
  --target HOST:PORT    where the pod connects (default: an IPv4 loopback port; IPv4 only)
  --minimize            rerun once per effective capability with it removed (needs CAP_SETPCAP)
  --ready-timeout S     seconds to wait for a Ready pod (default 300)
  --attach-timeout S    seconds for the tracer to attach (default 30)
  --event-timeout S     seconds to wait for the connection's event (default 15)
  --tracer PATH         tracer in the image (default /usr/local/bin/fentry-tcp-connect)
  --json                print the result as JSON
  --help                this text`;

interface VerifyCommand {
  options: CheckOptions;
  kubeconfigPath?: string;
  context?: string;
  json: boolean;
}

export type ParsedArgs =
  { kind: "run"; command: VerifyCommand } | { kind: "help" } | { kind: "error"; message: string };

const VALUE_FLAGS = [
  "--namespace",
  "--deployment",
  "--kubeconfig",
  "--context",
  "--container",
  "--target",
  "--ready-timeout",
  "--attach-timeout",
  "--event-timeout",
  "--tracer",
];
const BOOLEAN_FLAGS = ["--json", "--minimize", "--help"];

function seconds(flag: string, value: string): number | string {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0)
    return `${flag}: ${JSON.stringify(value)} is not accepted; expected a positive number of seconds`;
  return Math.round(n * 1000);
}

/** Parses `--flag value` / `--flag=value` arguments. Errors name the flag, the value and what is accepted. */
export function parseVerifyArgs(argv: readonly string[]): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.includes(name)) {
      if (eq > 0) return { kind: "error", message: `${name} takes no value` };
      flags.add(name);
    } else if (VALUE_FLAGS.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--")))
        return { kind: "error", message: `${name}: (not set) is not accepted; expected a value after ${name}` };
      if (name in values) return { kind: "error", message: `${name} is given twice` };
      values[name] = value;
    } else {
      return {
        kind: "error",
        message: `${JSON.stringify(arg)} is not an option; expected one of: ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].join(", ")}`,
      };
    }
  }
  if (flags.has("--help")) return { kind: "help" };
  for (const required of ["--namespace", "--deployment"]) {
    if (!values[required])
      return {
        kind: "error",
        message: `${required}: (not set) is not accepted; expected the ${required === "--namespace" ? "namespace" : "Deployment name"} of the workload`,
      };
  }
  const options: CheckOptions = { namespace: values["--namespace"], deployment: values["--deployment"] };
  if (values["--container"]) options.container = values["--container"];
  if (values["--target"]) options.target = values["--target"];
  if (values["--tracer"]) options.tracerPath = values["--tracer"];
  if (flags.has("--minimize")) options.minimizeCapabilities = true;
  const timeouts: [string, keyof CheckOptions][] = [
    ["--ready-timeout", "readyTimeoutMs"],
    ["--attach-timeout", "attachTimeoutMs"],
    ["--event-timeout", "eventTimeoutMs"],
  ];
  for (const [flag, key] of timeouts) {
    if (values[flag] === undefined) continue;
    const ms = seconds(flag, values[flag]);
    if (typeof ms === "string") return { kind: "error", message: ms };
    (options as unknown as Record<string, number>)[key] = ms;
  }
  const command: VerifyCommand = { options, json: flags.has("--json") };
  if (values["--kubeconfig"]) command.kubeconfigPath = values["--kubeconfig"];
  if (values["--context"]) command.context = values["--context"];
  return { kind: "run", command };
}

/** The kubeconfig file to read: the flag, else the first entry of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPathFor(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  home: string,
): string {
  if (flag) return flag;
  const fromEnv = (env.KUBECONFIG ?? "").split(":").find((p) => p.trim() !== "");
  return fromEnv ?? `${home}/.kube/config`;
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

const ms = (v: number | null) => (v === null ? "-" : `${v} ms`);

/** The human-readable report. */
export function formatResult(result: CheckResult): string {
  const rows: [string, string][] = [
    [
      "result",
      result.verified
        ? "VERIFIED: eBPF works in the pod (tcp_connect fentry trace saw the check's connection)"
        : "NOT VERIFIED",
    ],
    ["workload", `${result.namespace}/${result.deployment}`],
    ["pod", result.pod ? `${result.pod}${result.container ? ` (container ${result.container})` : ""}` : "-"],
    ["kernel", result.kernel ?? "-"],
    ["architecture", result.architecture ?? "-"],
    ["BTF", result.btf === null ? "-" : result.btf ? "present" : "missing"],
    ["effective capabilities", result.effectiveCapabilities.join(", ") || "-"],
    ["required by the model", result.requiredCapabilities.join(", ") || "-"],
    ["excess capabilities", result.excessCapabilities.join(", ") || "none"],
    ["target", result.target],
    ["matched event", result.matchedEvent ? formatTraceEvent(result.matchedEvent) : "-"],
    [
      "timings",
      `ready ${ms(result.timings.podReadyMs)}, attach ${ms(result.timings.attachMs)}, event ${ms(result.timings.eventMs)}, total ${result.timings.totalMs} ms`,
    ],
    ["tracer", result.tracerStop ?? "-"],
  ];
  const m = result.minimization;
  if (m) {
    if (m.performed) {
      rows.push(["necessary capabilities", m.necessary.join(", ") || "none alone"]);
      rows.push(["unnecessary capabilities", m.unnecessary.join(", ") || "none"]);
      if (m.inconclusive.length) rows.push(["inconclusive", m.inconclusive.join(", ")]);
      if (m.note) rows.push(["note", m.note]);
    } else {
      rows.push(["minimization", `not performed: ${m.reason}`]);
    }
  }
  const parts = [table(rows)];
  if (result.sampleEvents.length > 0)
    parts.push("sample events:\n" + result.sampleEvents.map((e) => `  ${formatTraceEvent(e)}`).join("\n"));
  if (result.warnings.length > 0) parts.push("warnings:\n" + result.warnings.map((w) => `  - ${w}`).join("\n"));
  if (result.failure) parts.push(formatFailure(result.failure));
  return parts.join("\n\n");
}
