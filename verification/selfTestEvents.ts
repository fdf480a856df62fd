/**
 * The in-pod self-test's verdict, read back from the cluster: when `ebpf-selftest` fails as a
 * startupProbe, the kubelet puts its output (first line `acs-ebpf-selftest: FAILED [<kind>] ...`,
 * the kinds of failures.ts) into the pod's `Unhealthy` events. A rollout that never becomes Ready
 * (the app held back by its native sidecar) is then explained by the self-test's classified
 * failure instead of the Kubernetes provider's "timed out waiting to be Ready".
 * Pure module but for `diagnoseRollout`, which reads pods and events over the check's transport.
 */
import { FAILURE_KINDS, FailureKind, VerificationFailure, failure } from "./failures";
import type { VerificationTransport } from "./transport";
import { errorMessage } from "./podExec";

const FAILED_LINE = /acs-ebpf-selftest: FAILED \[([a-z-]+)\] ?(.*)$/m;

/** The self-test's failure in one event line, or null (another event, or an unknown kind). */
export function selfTestFailureInEvent(
  event: string,
): { kind: FailureKind; summary: string; tracerStderr: string[] } | null {
  const m = FAILED_LINE.exec(event);
  if (!m || !(FAILURE_KINDS as readonly string[]).includes(m[1])) return null;
  // The kubelet keeps the probe's whole output: the tracer's stderr follows its heading.
  const rest = event.slice(m.index + m[0].length).split("\n");
  const from = rest.findIndex((l) => /^Tracer stderr \(last lines\):/.test(l.trim()));
  const tracerStderr =
    from < 0
      ? []
      : rest
          .slice(from + 1)
          .map((l) => l.trim())
          .filter((l) => l !== "");
  return { kind: m[1] as FailureKind, summary: m[2].trim().replace(/\.\.\.$/, ""), tracerStderr };
}

export interface PodEvents {
  pod: string;
  /** The pod's status lines (waiting reasons, conditions). */
  status: string[];
  events: string[];
}

/** The newest self-test failure among the pods' events, as a classified failure naming the pod. */
export function selfTestFailure(namespace: string, pods: readonly PodEvents[]): VerificationFailure | null {
  for (const p of pods) {
    for (const event of [...p.events].reverse()) {
      const found = selfTestFailureInEvent(event);
      if (!found) continue;
      return failure(found.kind, {
        context: { namespace, pod: p.pod },
        summary: `the eBPF self-test (the probe's startupProbe) failed in pod ${namespace}/${p.pod}: ${found.summary}`,
        tracerStderr: found.tracerStderr,
        details: [
          ...p.status.map((s) => `pod ${p.pod}: ${s}`),
          `event: ${event.split("\n")[0]}`,
          "the kubelet holds the pod's application containers back until the self-test passes (a native sidecar's startupProbe)",
        ],
      });
    }
  }
  return null;
}

/**
 * Reads the pods that are not Ready (selected by the workload's labels) and their events; returns
 * the self-test's classified failure, or null when no event carries one. Never throws: a failure
 * to read is returned as a note instead.
 */
export async function diagnoseRollout(
  t: VerificationTransport,
  namespace: string,
  matchLabels: Record<string, string>,
): Promise<{ failure: VerificationFailure | null; note?: string }> {
  const selector = Object.keys(matchLabels)
    .sort()
    .map((k) => `${k}=${matchLabels[k]}`)
    .join(",");
  try {
    const pods = (await t.listPods(namespace, selector)).filter((p) => !p.ready && !p.deleting);
    const withEvents: PodEvents[] = [];
    for (const p of pods)
      withEvents.push({ pod: p.name, status: p.status, events: await t.podEvents(namespace, p.name) });
    return { failure: selfTestFailure(namespace, withEvents) };
  } catch (err) {
    return {
      failure: null,
      note: `could not read the pods and events of ${namespace} (${selector}): ${errorMessage(err)}`,
    };
  }
}
