/**
 * ebpf-host-users — an eBPF workload runs in the host user namespace.
 *
 * Applies to: eBPF workloads (see ebpf-least-privilege).
 * Restricted fields:
 *   spec.hostUsers (pod level)
 * Allowed values: undefined/null, true.
 * Why: with `hostUsers: false` the pod gets its own user namespace; capabilities held there do not
 * count for bpf() or perf_event_open() (the kernel checks CAP_BPF/CAP_PERFMON in the initial user
 * namespace), so the probe fails with "operation not permitted" however many capabilities it adds.
 */
import { isEbpfWorkload } from "../ebpf";
import type { Finding, PodTemplate, Rule } from "../types";
import { fieldPath } from "../shared";

export const ebpfHostUsers: Rule = {
  name: "ebpf-host-users",
  since: "0.1.0",
  description:
    "An eBPF workload must not set hostUsers: false (capabilities in a user namespace do not count for bpf()).",
  defaultLevel: "mandatory",
  settings: [],
  check(pod: PodTemplate): Finding[] {
    if (!isEbpfWorkload(pod) || pod.spec.hostUsers !== false) return [];
    return [
      {
        field: fieldPath(pod.specPath, "hostUsers"),
        message:
          'sets hostUsers: false; capabilities in a pod user namespace do not count for bpf() and perf_event_open(), so the probe fails with "operation not permitted": remove hostUsers (or set it true)',
      },
    ];
  },
};
