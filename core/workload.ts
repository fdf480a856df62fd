/**
 * Names shared by every part of acs-ebpf: the annotations the components write on eBPF workloads
 * (read back by the policy rules), the tracer path in the workbench image (used by the
 * verification), and the resource types the policy pack looks for.
 */

/** Annotations on the pod template that declare what an eBPF workload runs. */
export const ANNOTATIONS = {
  /** Comma-separated probe kinds, e.g. `fentry` or `fentry,tc`. */
  probeKinds: "acs-ebpf.io/probe-kinds",
  /** The node kernel the capabilities were planned for (`uname -r`), or `unknown`. */
  kernel: "acs-ebpf.io/kernel",
  /** amd64 or arm64. */
  architecture: "acs-ebpf.io/architecture",
  /** least-privilege or vendor-demo. */
  capabilityProfile: "acs-ebpf.io/capability-profile",
  /** "true" while the verification minimizes capabilities (SETPCAP is granted for it). */
  minimizeCapabilities: "acs-ebpf.io/minimize-capabilities",
  /**
   * Comma-separated names of the probe containers, on pods that also run application containers
   * (the sidecar placement): only these may add eBPF capabilities; the policy judges the others as
   * application containers.
   */
  probeContainers: "acs-ebpf.io/probe-containers",
} as const;

/** The prebuilt cilium/ebpf examples/fentry binary in the workbench image. */
export const TRACER_BINARY_PATH = "/usr/local/bin/fentry-tcp-connect";

/** The in-pod self-test (images/ebpf-workbench/ebpf-selftest): exit 0 only when the trace sees its own connect. */
export const SELFTEST_PATH = "/usr/local/bin/ebpf-selftest";

/** Where the cilium/ebpf source stays in the image, so people can still `go run` the examples. */
export const EBPF_SOURCE_PATH = "/app/ebpf";

/** Pulumi type tokens of the components. */
export const COMPONENT_TYPES = {
  workload: "acs-ebpf:index:EbpfWorkload",
  image: "acs-ebpf:index:WorkbenchImage",
  verification: "acs-ebpf:index:TcpConnectVerification",
  workbench: "acs-ebpf:index:EbpfWorkbench",
} as const;

/**
 * The dynamic verification resource carries this value in its `check` input, so the policy pack
 * can find it among `pulumi-nodejs:dynamic:Resource`s (every dynamic resource shares that type).
 */
export const VERIFICATION_CHECK = "tcp_connect-fentry";

/**
 * A command that keeps the workbench container up indefinitely and exits at once on SIGTERM
 * (the vendor's `sleep 36000` ends after 10 hours and restarts the pod; a bare `sleep infinity`
 * as PID 1 ignores SIGTERM and waits out the grace period).
 */
export const KEEP_ALIVE_COMMAND = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"];
