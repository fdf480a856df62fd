/**
 * The acs-ebpf package entry: what a platform stack imports. Importing it registers nothing and
 * starts nothing (no resources, no policy server): only the components, the pure functions a
 * platform stack needs (the sidecar, the capability plan, the review) and their types. Everything
 * else is internal and may change without notice (CHANGELOG.md lists what moved).
 * The stack program of this repository is ../index.ts (Pulumi.yaml `main`), not this module.
 */

// Components.
export { EbpfWorkbench } from "./ebpfWorkbench";
export type { EbpfWorkbenchArgs, WorkbenchBuildArgs } from "./ebpfWorkbench";
export { EbpfSidecarWorkload } from "./ebpfSidecarWorkload";
export type { EbpfSidecarWorkloadArgs } from "./ebpfSidecarWorkload";
export { EbpfWorkload } from "./ebpfWorkload";
export type { EbpfWorkloadArgs, RegistryCredentials } from "./ebpfWorkload";
export { WorkbenchImage } from "./workbenchImage";
export type { WorkbenchImageArgs, WorkbenchImagePlan, WorkbenchRegistryArgs } from "./workbenchImage";
export { TcpConnectVerification } from "./tcpConnectVerification";
export type { TcpConnectVerificationArgs } from "./tcpConnectVerification";
export { ImagePullSecret } from "./imagePullSecret";
export { selfTestDiagnosis } from "./selfTestDiagnosis";
export type { ImagePullSecretArgs } from "./imagePullSecret";
export type { ResolvedWorkload } from "../core/workloadOptions";

// The sidecar placement: the pure pod-spec function and the Pulumi transform.
export {
  ebpfSidecarTransform,
  addEbpfSidecar,
  planEbpfSidecar,
  SIDECAR_KINDS,
  SIDECAR_OPT_IN_LABEL,
  SIDECAR_OPT_IN_VALUE,
} from "./ebpfSidecar";
export type { EbpfSidecarTransformOptions, SidecarApplied, SidecarOptions, SidecarReport } from "./ebpfSidecar";
export { ebpfSidecarWorkload } from "../core/sidecar";
export type { Placement } from "../core/placement";
export type { ProbeMode } from "../core/probeContainer";
export { TOLERATION_OPERATORS, TAINT_EFFECTS, checkTolerations } from "../core/tolerations";
export type { Toleration, TolerationOperator, TaintEffect } from "../core/tolerations";

// The capability plan.
export {
  planCapabilities,
  requiredCapabilities,
  excessCapabilities,
  minimumKernelFor,
  PROBE_KIND_NAMES,
} from "../core/capabilities";
export type {
  CapabilityPlan,
  CapabilityRequest,
  CapabilityGrant,
  HostPathGrant,
  ProbeKind,
  CapabilityProfile,
  SeccompProfile,
} from "../core/capabilities";
export { parseKernelRelease } from "../core/kernel";
export type { Kernel, KernelVersion, Architecture } from "../core/kernel";
export { billedPodSize } from "../core/acs";
export type { PodSize } from "../core/acs";
export { InputError, InputErrors } from "../core/errors";

// The review: the policy rules over Kubernetes objects or YAML, as `acs-ebpf-review` uses them.
export { reviewObject, reviewDocuments } from "../policy/review";
export type { Violation, DocumentsReview } from "../policy/review";
export { defaultConfig, parseReviewConfig, pinRulesVersion } from "../policy/config";
export type { ReviewConfig } from "../policy/config";
export { RULES } from "../policy/rules";
export type { Rule, RuleSettings, Finding, KubeObject } from "../policy/types";
export { reviewPaths, reviewText, exitCode } from "../policy/report/inputs";
export type { ReviewReport, FileViolation } from "../policy/report/inputs";
export { formatTable, formatJson } from "../policy/report/text";
export { formatSarif } from "../policy/report/sarif";
export { formatJunit } from "../policy/report/junit";
