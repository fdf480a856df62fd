/**
 * The one probe container: what the standalone workbench Deployment, the sidecar in an
 * application's pod and the node DaemonSet all run. Capabilities, security context, resources,
 * the command (workbench shell or trace monitor) and the self-test startupProbe are decided here
 * and nowhere else.
 */
import type * as k8s from "@pulumi/kubernetes/types/input";
import type { Input } from "@pulumi/pulumi";
import type { CapabilityPlan } from "./capabilities";
import { ANNOTATIONS, KEEP_ALIVE_COMMAND, SELFTEST_PATH, TRACER_BINARY_PATH } from "./workload";

/** What the probe container runs. */
export const ProbeMode = {
  /** A shell to `kubectl exec` into. */
  workbench: "workbench",
  /** The trace's events on stdout. */
  monitor: "monitor",
} as const;
export type ProbeMode = (typeof ProbeMode)[keyof typeof ProbeMode];
export const PROBE_MODES: readonly ProbeMode[] = Object.values(ProbeMode);

/**
 * The command of each mode. `workbench` stays up for `kubectl exec` (the interactive shell);
 * `monitor` runs the tcp_connect trace as the container's process with its log (stderr) sent to
 * stdout, where the cluster's log collection picks the events up. The tracer exits on SIGTERM.
 */
function probeCommand(mode: ProbeMode): string[] {
  return mode === "monitor" ? ["/bin/sh", "-c", `exec ${TRACER_BINARY_PATH} 2>&1`] : [...KEEP_ALIVE_COMMAND];
}

/**
 * The self-test as a startupProbe: the kubelet runs it in the container (no pods/exec RBAC for
 * anyone), and the rollout waits for it, so a pod where eBPF does not work never becomes Started.
 * The script bounds itself below timeoutSeconds (attach 15 s + event 5 s).
 */
export const SELFTEST_STARTUP_PROBE = {
  exec: { command: [SELFTEST_PATH] },
  periodSeconds: 10,
  timeoutSeconds: 30,
  failureThreshold: 3,
} as const;

export interface ProbeContainerSpec {
  name: string;
  plan: CapabilityPlan;
  image: Input<string>;
  imagePullPolicy: Input<string>;
  /** Request and limit (equal: on >= 5.11 the ring buffer is charged to this memory cgroup). */
  cpu: string;
  memory: string;
  mode: ProbeMode;
  /** Run the self-test as the startupProbe. */
  selfTest?: boolean;
  /** `Always` makes an init container a native sidecar (Kubernetes >= 1.29). */
  restartPolicy?: "Always";
  env?: { name: string; value: string }[];
  /** Prefix of the host path volume names (they share the pod with application volumes). */
  volumePrefix: string;
}

export interface ProbeContainer {
  container: k8s.core.v1.Container;
  /** Volumes the container mounts (host paths the plan grants, read-only). */
  volumes: k8s.core.v1.Volume[];
}

export function probeContainer(spec: ProbeContainerSpec): ProbeContainer {
  const { plan } = spec;
  const mounts = plan.hostPaths.map((h, i) => ({ name: `${spec.volumePrefix}${i}`, path: h.path }));
  const container: k8s.core.v1.Container = {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: probeCommand(spec.mode),
    ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
    ...(spec.env?.length ? { env: spec.env.map((e) => ({ ...e })) } : {}),
    resources: {
      requests: { cpu: spec.cpu, memory: spec.memory },
      // Limits equal to requests: on >= 5.11 the ring buffer is charged to this memory cgroup.
      limits: { cpu: spec.cpu, memory: spec.memory },
    },
    ...(spec.selfTest
      ? { startupProbe: { ...SELFTEST_STARTUP_PROBE, exec: { command: [...SELFTEST_STARTUP_PROBE.exec.command] } } }
      : {}),
    securityContext: {
      privileged: false,
      allowPrivilegeEscalation: false,
      // UID 0 on purpose: Kubernetes puts added capabilities in the bounding, permitted and
      // effective sets of root only; a non-root process would start with none of them.
      runAsUser: 0,
      runAsNonRoot: false,
      capabilities: {
        ...(plan.drop.length ? { drop: [...plan.drop] } : {}),
        add: plan.add.map((g) => g.name),
      },
      ...(plan.seccompProfile ? { seccompProfile: { type: plan.seccompProfile } } : {}),
    },
    ...(mounts.length
      ? { volumeMounts: mounts.map((m) => ({ name: m.name, mountPath: m.path, readOnly: true })) }
      : {}),
  };
  const volumes = mounts.map((m) => ({ name: m.name, hostPath: { path: m.path, type: "Directory" } }));
  return { container, volumes };
}

/**
 * The pod template annotations that declare what the probe runs; the policy rules read them back
 * (core/capabilities.ts decides, policy/ebpf.ts checks against the same model).
 */
export function probeAnnotations(plan: CapabilityPlan, probeContainers?: readonly string[]): Record<string, string> {
  return {
    [ANNOTATIONS.probeKinds]: plan.probeKinds.join(","),
    [ANNOTATIONS.kernel]: plan.kernel === "unknown" ? "unknown" : plan.kernel.release,
    [ANNOTATIONS.architecture]: plan.architecture,
    [ANNOTATIONS.capabilityProfile]: plan.profile,
    ...(plan.add.some((g) => g.name === "SETPCAP") && plan.profile === "least-privilege"
      ? { [ANNOTATIONS.minimizeCapabilities]: "true" }
      : {}),
    ...(probeContainers?.length ? { [ANNOTATIONS.probeContainers]: probeContainers.join(",") } : {}),
  };
}
