/**
 * What a container runtime makes of a rendered container's securityContext, as the guest's
 * `confine` helper applies it (kernels/go/cmd/confine): the capability sets of a uid-0 process,
 * no_new_privs, and which seccomp profile. containerd's CRI rules, from its source:
 *   - capabilities start from the runtime's default set; `drop: [ALL]` empties it, then `add` is
 *     appended (bounding = permitted = effective = inheritable for root);
 *   - allowPrivilegeEscalation: false sets no_new_privs (Kubernetes' default is true);
 *   - seccompProfile RuntimeDefault is containerd's generated default profile, which reads the
 *     capability sets; Unconfined or unset (the vendor demo) loads none.
 * Pure module.
 */
import { normalizeCapability } from "../core/capabilities";

/** containerd's default capabilities for a container (pkg/oci, defaultUnixCaps), without CAP_. */
export const CONTAINERD_DEFAULT_CAPABILITIES: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

/** The seccomp profiles the matrix loads: containerd's current default, containerd 1.6.8's, none. */
export type SeccompChoice = "runtime-default" | "containerd-1.6.8" | "unconfined";
export interface Confinement {
  /** Bounding = permitted = effective = inheritable, sorted, without CAP_. */
  capabilities: string[];
  noNewPrivs: boolean;
  seccomp: SeccompChoice;
}

/** The container fields this reads (a subset of core/v1 Container). */
export interface ContainerSecurity {
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsUser?: number;
    capabilities?: { add?: readonly string[]; drop?: readonly string[] };
    seccompProfile?: { type: string };
  };
}

/** Throws for what the guest cannot reproduce (privileged, non-root, Localhost profiles), naming the field. */
export function confinementOf(container: ContainerSecurity): Confinement {
  const sc = container.securityContext ?? {};
  if (sc.privileged)
    throw new Error(
      "securityContext.privileged: true is not a confinement the kernel matrix reproduces; expected false or unset",
    );
  if (sc.runAsUser !== undefined && sc.runAsUser !== 0) {
    throw new Error(
      `securityContext.runAsUser: ${sc.runAsUser} is not reproduced; expected 0 (the workbench runs as root)`,
    );
  }
  const drop = (sc.capabilities?.drop ?? []).map(normalizeCapability);
  const add = (sc.capabilities?.add ?? []).map(normalizeCapability);
  const base = drop.includes("ALL") ? [] : CONTAINERD_DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  const type = sc.seccompProfile?.type;
  if (type !== undefined && type !== "RuntimeDefault" && type !== "Unconfined") {
    throw new Error(
      `securityContext.seccompProfile.type: ${JSON.stringify(type)} is not reproduced; expected RuntimeDefault, Unconfined or unset`,
    );
  }
  return {
    capabilities: [...new Set([...base, ...add])].sort(),
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    seccomp: type === "RuntimeDefault" ? "runtime-default" : "unconfined",
  };
}
