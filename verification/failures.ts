/**
 * Why a verification failed, in words a person can act on.
 *
 * Failure kinds and what they point at:
 *   pod-not-ready            no Ready pod for the workload in time: the pods' status and events
 *   api-forbidden            RBAC denies reading the Deployment/pods: verbs and resources to grant
 *   exec-forbidden           RBAC denies exec: `create` (and, for WebSocket clients, `get`) on pods/exec
 *   operation-not-permitted  bpf()/perf_event_open() blocked: CAP_BPF/CAP_PERFMON, seccomp, ACS
 *                            privileged mode; the misleading memlock message included
 *   no-btf                   /sys/kernel/btf/vmlinux missing: the kernel has no BTF
 *   kernel-unsupported       kernel older than the fentry minimum (x86_64 5.8, arm64 6.4)
 *   tracer-missing           the prebuilt tracer is not in the image
 *   tracer-exited            the tracer ended before printing its header, for another reason
 *   header-timeout           the tracer neither printed its header nor exited in time
 *   no-matching-event        attached, but the check's connection was not reported in time
 *   exec-lost                the exec session ended from outside the check (its stream dropped without a
 *                            status, or the tracer signalled to stop) while the API server still answers:
 *                            the pod's kubelet (or runtime) restarted or dropped it
 *   pod-deleted              the pod was deleted (rollout, eviction, a person) while the check ran in it
 *   api-unreachable          the API server did not answer the check's first request (endpoint, cause)
 *   connection-lost          the connection to the API server ended in the middle of the check
 *   api-error                another API error (status code and message)
 *
 * Every message ends with the tracer's last stderr lines (or says it never ran). Pure module:
 * plain objects and functions, no classes (the dynamic provider serializes what it uses).
 */

export type FailureKind =
  | "pod-not-ready"
  | "api-forbidden"
  | "exec-forbidden"
  | "operation-not-permitted"
  | "no-btf"
  | "kernel-unsupported"
  | "tracer-missing"
  | "tracer-exited"
  | "header-timeout"
  | "no-matching-event"
  | "exec-lost"
  | "pod-deleted"
  | "api-unreachable"
  | "connection-lost"
  | "api-error";

export const FAILURE_KINDS: readonly FailureKind[] = [
  "pod-not-ready",
  "api-forbidden",
  "exec-forbidden",
  "operation-not-permitted",
  "no-btf",
  "kernel-unsupported",
  "tracer-missing",
  "tracer-exited",
  "header-timeout",
  "no-matching-event",
  "exec-lost",
  "pod-deleted",
  "api-unreachable",
  "connection-lost",
  "api-error",
];

export interface VerificationFailure {
  kind: FailureKind;
  /** One line: what went wrong. */
  summary: string;
  /** What to do about it. */
  remedy: string;
  /** The tracer's last stderr lines (empty when it never ran). */
  tracerStderr: string[];
  /** Extra evidence: pod status, events, API responses. */
  details: string[];
}

/** How many stderr lines a failure carries. */
const STDERR_TAIL_LINES = 15;

export function tailLines(lines: readonly string[], n = STDERR_TAIL_LINES): string[] {
  const clean = lines.map((l) => l.split("\u0000").join("")).filter((l) => l.trim() !== "");
  return clean.slice(Math.max(0, clean.length - n));
}

const SECCOMP_AND_CAPS =
  "The container needs CAP_BPF and CAP_PERFMON in its effective set (securityContext.capabilities.add: [BPF, PERFMON] with drop: [ALL]; " +
  "a user namespace, hostUsers: false, makes them useless). The seccomp profile must allow bpf() and perf_event_open(): " +
  "RuntimeDefault allows them with CAP_BPF/CAP_PERFMON only from containerd 1.6.9, Docker 23.0 and CRI-O 1.31 (older runtimes require SYS_ADMIN), " +
  "so on an older runtime use a Localhost profile that allows them. On ACS, added capabilities take effect only when privileged mode " +
  "has been enabled for the account (a support ticket).";

/** Builds a failure. */
export function failure(
  kind: FailureKind,
  input: { summary?: string; tracerStderr?: readonly string[]; details?: readonly string[]; context?: FailureContext },
): VerificationFailure {
  const ctx = input.context ?? {};
  const base = describe(kind, ctx);
  return {
    kind,
    summary: input.summary ?? base.summary,
    remedy: base.remedy,
    tracerStderr: tailLines(input.tracerStderr ?? []),
    details: [...(input.details ?? [])],
  };
}

export interface FailureContext {
  namespace?: string;
  deployment?: string;
  pod?: string;
  kernel?: string;
  architecture?: string;
  minimumKernel?: string;
  btfPath?: string;
  tracerPath?: string;
  /** e.g. "list pods" */
  operation?: string;
  target?: string;
  seconds?: number;
  effectiveCapabilities?: readonly string[];
  /** The API server URL from the kubeconfig. */
  endpoint?: string;
  /** The network error, e.g. `connect ECONNREFUSED 127.0.0.1:6443`. */
  cause?: string;
}

function where(ctx: FailureContext): string {
  if (ctx.pod) return `pod ${ctx.namespace ?? "?"}/${ctx.pod}`;
  return `deployment ${ctx.namespace ?? "?"}/${ctx.deployment ?? "?"}`;
}

function describe(kind: FailureKind, ctx: FailureContext): { summary: string; remedy: string } {
  const ns = ctx.namespace ?? "<namespace>";
  switch (kind) {
    case "pod-not-ready":
      return {
        summary: `no Ready pod of ${where(ctx)} within ${ctx.seconds ?? "?"}s`,
        remedy:
          "Look at the pod status and events below: an image pull error needs the image reference or imagePullSecrets fixed; " +
          "a rejected pod (Pod Security, ACS privileged mode) needs the namespace label pod-security.kubernetes.io/enforce=privileged " +
          "or ACS privileged mode enabled; Pending pods wait for capacity.",
      };
    case "api-forbidden":
      return {
        summary: `the Kubernetes API refused to ${ctx.operation ?? "read the workload"} in namespace ${ns} (RBAC)`,
        remedy:
          `Grant the identity in the kubeconfig, in namespace ${ns}: get on deployments (apps), get and list on pods, list on events, ` +
          "and create and get on pods/exec.",
      };
    case "exec-forbidden":
      return {
        summary: `the Kubernetes API refused exec into ${where(ctx)} (RBAC)`,
        remedy:
          `Grant the identity in the kubeconfig the verb create on the resource pods/exec in namespace ${ns}, and get on pods/exec too: ` +
          "the check execs over WebSocket, which the API server authorizes as get on pods/exec (and, from Kubernetes 1.35, also as create). " +
          'It also needs get and list on pods. Example rule: {apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"]}.',
      };
    case "operation-not-permitted":
      return {
        summary: `the tracer could not load its eBPF program in ${where(ctx)}: operation not permitted`,
        remedy:
          "bpf() or perf_event_open() was refused. " +
          SECCOMP_AND_CAPS +
          " `failed to set memlock rlimit: operation not permitted` (and `MEMLOCK may be too low, consider rlimit.RemoveMemlock`) is misleading: on kernels >= 5.11 it means bpf() itself was refused " +
          "(missing CAP_BPF or a seccomp profile that blocks bpf), so the fix is CAP_BPF/seccomp, not SYS_RESOURCE or IPC_LOCK " +
          "(SYS_RESOURCE matters only before 5.11; IPC_LOCK never lifts BPF memlock accounting). " +
          "`opening perf event: permission denied` (kprobe, tracepoint) on a node whose kernel.perf_event_paranoid is above 2 (Debian's default 3, Ubuntu's 4) " +
          "means perf_event_open() wants SYS_ADMIN there: set the sysctl to 2, or use fentry." +
          (ctx.effectiveCapabilities
            ? ` Effective capabilities in the container: ${ctx.effectiveCapabilities.join(", ") || "(none)"}.`
            : ""),
      };
    case "no-btf":
      return {
        summary: `the kernel${ctx.kernel ? ` ${ctx.kernel}` : ""} has no BTF (${ctx.btfPath ?? "/sys/kernel/btf/vmlinux"} is missing) in ${where(ctx)}`,
        remedy:
          "fentry resolves tcp_connect through kernel BTF (CONFIG_DEBUG_INFO_BTF=y). Use a node image whose kernel ships BTF " +
          "(ACS sandboxes on current Alibaba Cloud Linux kernels do); a kprobe-based program with an external BTF file is the fallback.",
      };
    case "kernel-unsupported":
      return {
        summary: `kernel ${ctx.kernel ?? "?"} (${ctx.architecture ?? "?"}) cannot run the fentry tcp_connect trace: it needs ${ctx.minimumKernel ?? "5.8 (x86_64) / 6.4 (arm64)"}`,
        remedy:
          "x86_64 needs >= 5.8 (BPF ring buffer, CAP_BPF/CAP_PERFMON); arm64 needs >= 6.4 (BPF trampolines for fentry; earlier kernels fail with " +
          "`create raw tracepoint: not supported`). Run the workload on a newer kernel (another compute class or instance family), or on amd64.",
      };
    case "tracer-missing":
      return {
        summary: `the prebuilt tracer ${ctx.tracerPath ?? ""} is not in the container of ${where(ctx)}`,
        remedy:
          "Deploy the workbench image built from images/ebpf-workbench (it prebuilds cilium/ebpf examples/fentry to that path), or set the tracer path.",
      };
    case "tracer-exited":
      return {
        summary: `the tracer exited before attaching in ${where(ctx)}`,
        remedy:
          "Read the tracer's stderr below; it names the step that failed (loading objects, attaching, opening the ring buffer).",
      };
    case "header-timeout":
      return {
        summary: `the tracer printed no header within ${ctx.seconds ?? "?"}s in ${where(ctx)} (it neither attached nor failed)`,
        remedy:
          "Loading and attaching normally takes well under a second. A slow or overloaded pod, a huge BTF, or a tracer blocked on output can cause this; " +
          "raise the attach timeout or run the tracer by hand (kubectl exec) to see where it stops.",
      };
    case "no-matching-event":
      return {
        summary: `the tracer attached but reported no tcp_connect event for the check's connection to ${ctx.target ?? "?"} within ${ctx.seconds ?? "?"}s in ${where(ctx)}`,
        remedy:
          "The trace is IPv4 only: a target that resolves to IPv6 is never reported. If the target is remote, make sure the pod can reach it; " +
          "the default target (an IPv4 loopback port) needs no network. Events that were seen are listed below.",
      };
    case "exec-lost":
      return {
        summary: `the exec session in ${where(ctx)} was ended from outside the check while the API server still answers: the pod's kubelet (or its container runtime) restarted or dropped it`,
        remedy:
          "Nothing was proven either way. The API server hands exec to the kubelet of the pod's node: a kubelet restart, a node going NotReady or a network break between the API server and the node ends the stream. " +
          "Check the node (kubectl get node, the kubelet's log), then run the check again: the next `pulumi up` runs it again (a failed check is not recorded as passed), or `npm run verify`. " +
          "The tracer runs under `timeout`, so it does not outlive the check in the pod.",
      };
    case "pod-deleted":
      return {
        summary: `${where(ctx)} was deleted while the check ran in it, so the trace ended with it`,
        remedy:
          "Nothing was proven either way: a rollout, an eviction, a node drain or a person deleted the pod (its exec'd processes end with it, exit code 137). " +
          "Run the check again once the workload's new pod is Ready: the next `pulumi up` runs it again (a failed check is not recorded as passed), or `npm run verify`.",
      };
    case "api-unreachable":
      return {
        summary: `cannot reach the Kubernetes API server${ctx.endpoint ? ` at ${ctx.endpoint}` : ""}: the check's first request (${ctx.operation ?? "to the API"}) got no answer${ctx.cause ? ` (${ctx.cause})` : ""}`,
        remedy:
          "Nothing ran in the cluster. Check the kubeconfig's server address and context, that the API server is up, and that it is reachable from here " +
          "(VPN, firewall, the cluster's public or internal endpoint), then run the check again.",
      };
    case "connection-lost":
      return {
        summary: `the connection to the Kubernetes API server was lost in the middle of the check (${where(ctx)})`,
        remedy:
          "Nothing was proven either way. Check the API server endpoint and network, then run the check again (pulumi up, or npm run verify). " +
          "The tracer runs under `timeout`, so it does not outlive the check in the pod.",
      };
    case "api-error":
      return {
        summary: `the Kubernetes API returned an error while trying to ${ctx.operation ?? "run the check"} (${where(ctx)})`,
        remedy: "See the API response below.",
      };
  }
}

/** The full multi-line message: summary, remedy, details, tracer stderr. */
export function formatFailure(f: VerificationFailure): string {
  const lines = [`tcp_connect fentry verification failed [${f.kind}]: ${f.summary}`, `What to do: ${f.remedy}`];
  if (f.details.length > 0) lines.push("Details:", ...f.details.map((d) => `  ${d}`));
  if (f.tracerStderr.length > 0) lines.push("Tracer stderr (last lines):", ...f.tracerStderr.map((l) => `  ${l}`));
  else lines.push("Tracer stderr: (the tracer did not run or printed nothing)");
  return lines.join("\n");
}

/** An Error carrying the failure, for code that throws (the dynamic provider). */
export function failureError(f: VerificationFailure): Error & { failure: VerificationFailure } {
  const err = new Error(formatFailure(f)) as Error & { failure: VerificationFailure };
  err.name = "VerificationFailed";
  err.failure = f;
  return err;
}

/**
 * What the tracer's stderr says, in order: the first signature that matches a line names the
 * failure. Patterns are POSIX extended regular expressions (GNU grep -E, also valid JavaScript),
 * matched case-insensitively: the in-image self-test (images/ebpf-workbench/ebpf-selftest) is
 * generated from this table (verification/selftestScript.ts), so both classify alike.
 */
export const TRACER_STDERR_SIGNATURES: readonly { kind: FailureKind; pattern: string }[] = [
  { kind: "no-btf", pattern: "\\bbtf\\b.*\\b(not found|not supported|no such file)\\b" },
  { kind: "no-btf", pattern: "no btf found" },
  { kind: "kernel-unsupported", pattern: "create raw tracepoint: not supported" },
  { kind: "operation-not-permitted", pattern: "operation not permitted|permission denied" },
];

/** Exit codes that name a failure when the stderr does not: the shell's "not found/not executable", and `timeout`'s. */
export const TRACER_EXIT_CODES: readonly { kind: FailureKind; codes: readonly number[] }[] = [
  { kind: "tracer-missing", codes: [127, 126] },
  { kind: "header-timeout", codes: [124] },
];

/** What to do about a failure of this kind, without the context of a particular pod. */
export function remedyFor(kind: FailureKind): string {
  return describe(kind, {}).remedy;
}

/**
 * Why the tracer ended (or was stopped) without attaching, from its stderr and exit code.
 * Preflight findings take precedence: they explain the stderr (e.g. no BTF → a load error).
 */
export function classifyTracerExit(input: {
  stderr: readonly string[];
  exitCode?: number;
  timedOut?: boolean;
  btfPresent?: boolean;
  kernelSupported?: boolean;
}): FailureKind {
  if (input.kernelSupported === false) return "kernel-unsupported";
  if (input.btfPresent === false) return "no-btf";
  const signature = TRACER_STDERR_SIGNATURES.find((s) =>
    input.stderr.some((line) => new RegExp(s.pattern, "i").test(line)),
  );
  if (signature) return signature.kind;
  const exitCode = input.timedOut ? 124 : input.exitCode;
  return TRACER_EXIT_CODES.find((e) => exitCode !== undefined && e.codes.includes(exitCode))?.kind ?? "tracer-exited";
}

/** HTTP status → failure kind for API calls (exec is separate: it has its own RBAC verb). */
export function classifyApiError(status: number | undefined, isExec: boolean, message = ""): FailureKind {
  if (status === 401 || status === 403) return isExec ? "exec-forbidden" : "api-forbidden";
  if (status === undefined && (message === "" || isConnectionError(message))) return "connection-lost";
  return "api-error";
}

/** Network-level errors that mean the API server connection is gone. */
export function isConnectionError(message: string): boolean {
  return /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket hang up|closed before|connection (lost|closed)|network/i.test(
    message,
  );
}
