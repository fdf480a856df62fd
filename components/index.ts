/**
 * The acs-ebpf package entry: what a platform stack imports. Importing it registers nothing and
 * starts nothing (no resources, no policy server): only the classes and pure functions below.
 * The stack program of this repository is ../index.ts (Pulumi.yaml `main`), not this module.
 */

// Components.
export { EbpfWorkbench } from "./ebpfWorkbench";
export type { EbpfWorkbenchArgs, WorkbenchBuildArgs } from "./ebpfWorkbench";
export { EbpfSidecarWorkload } from "./ebpfSidecarWorkload";
export type { EbpfSidecarWorkloadArgs } from "./ebpfSidecarWorkload";
export { EbpfWorkload } from "./ebpfWorkload";
export type { EbpfWorkloadArgs, RegistryCredentials } from "./ebpfWorkload";
export { WorkbenchImage, WORKBENCH_VERSIONS, planWorkbenchImage, pullReferenceFromRepoDigest } from "./workbenchImage";
export type { WorkbenchImageArgs, WorkbenchImagePlan, WorkbenchRegistryArgs } from "./workbenchImage";
export { TcpConnectVerification, validateVerificationArgs } from "./tcpConnectVerification";
export type { TcpConnectVerificationArgs } from "./tcpConnectVerification";
export { ImagePullSecret } from "./imagePullSecret";
export type { ImagePullSecretArgs } from "./imagePullSecret";

// The sidecar placement: pure pod-spec function and the Pulumi transform.
export {
  ebpfSidecarTransform,
  describeSidecarApplied,
  SIDECAR_RESOURCE_TYPES,
  addEbpfSidecar,
  planEbpfSidecar,
  SIDECAR_KINDS,
  SIDECAR_OPT_IN_LABEL,
  SIDECAR_OPT_IN_VALUE,
} from "./ebpfSidecar";
export type { EbpfSidecarTransformOptions, SidecarApplied, SidecarOptions, SidecarReport } from "./ebpfSidecar";
export { ebpfSidecarWorkload, resolveSidecarOptions } from "../core/sidecar";
export { PLACEMENTS, parseKubernetesVersion, sidecarStyle, refuseNodeOnAcs } from "../core/placement";
export type { Placement, KubernetesVersion, SidecarStyle } from "../core/placement";
export { TOLERATION_OPERATORS, TAINT_EFFECTS, checkTolerations } from "../core/tolerations";
export type { Toleration, TolerationOperator, TaintEffect } from "../core/tolerations";
export { probeContainer, probeAnnotations, PROBE_MODES } from "../core/probeContainer";
export type { ProbeMode, ProbeContainerSpec } from "../core/probeContainer";

// The capability model.
export {
  planCapabilities,
  requiredCapabilities,
  excessCapabilities,
  minimumKernelFor,
  needsMemlockRaise,
  normalizeCapability,
  decodeCapabilityMask,
  PROBE_KINDS,
  PROBE_KIND_NAMES,
  CAPABILITY_REASONS,
  NOT_NEEDED_REASONS,
  VENDOR_DEMO_CAPABILITIES,
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
export { parseKernelRelease, compareKernel } from "../core/kernel";
export type { Kernel, KernelVersion, Architecture } from "../core/kernel";
export { billedPodSize, billedPodSizeOf, podRequests, describePodSize } from "../core/acs";
export type { PodSize, PodRequests } from "../core/acs";
export { resolveWorkload } from "../core/workloadOptions";
export type { WorkloadOptions, ResolvedWorkload } from "../core/workloadOptions";
export { buildWorkloadManifests, deploymentManifest, daemonSetManifest, namespaceManifest } from "../core/manifests";
export { capabilityReport } from "../core/report";
export { InputError, InputErrors } from "../core/errors";

// The reviewer: the policy rules over Kubernetes objects or YAML, as `npm run review` uses them.
export { reviewObject, reviewDocuments, parseYamlDocuments, runRule } from "../policy/review";
export type { Violation, DocumentsReview } from "../policy/review";
export { defaultConfig, parseReviewConfig } from "../policy/config";
export type { ReviewConfig } from "../policy/config";
export { RULES, RULE_NAMES } from "../policy/rules";
export type { Rule, RuleSettings, Finding, KubeObject } from "../policy/types";
export { checkVerifications } from "../policy/stackRules";
export { reviewPaths, reviewText, exitCode } from "../policy/report/inputs";
export type { ReviewReport, FileViolation } from "../policy/report/inputs";
export { formatTable, formatJson } from "../policy/report/text";
export { formatSarif } from "../policy/report/sarif";
export { formatJunit } from "../policy/report/junit";
