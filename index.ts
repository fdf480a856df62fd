/**
 * The stack program: read config → the EbpfWorkbench component → exports. Every config key is
 * validated by parseStackConfig before the first resource is registered; the program adds only
 * what a stack knows and a component does not: the secret registry password, and which kubeconfig
 * the verification uses.
 */
import * as fs from "fs";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkbench, EbpfWorkbenchArgs } from "./components/ebpfWorkbench";
import { keepEarlierUrns } from "./components/earlierUrns";
import type { ProbeKind } from "./core/capabilities";
import { parseStackConfig } from "./core/stackConfig";
import { PINNED } from "./images/ebpf-workbench/versions";
import { chooseKubeconfig } from "./verification/kubeconfigSource";

const allConfig = pulumi.runtime.allConfig();
const config = parseStackConfig(allConfig, PINNED);
const secrets = new pulumi.Config();
for (const warning of config.warnings) pulumi.log.warn(warning);

const { workloadOptions, verification: verify } = config;
const placement = workloadOptions.placement ?? "deployment";

// The verification: the tcp_connect fentry trace in the pod, with the Kubernetes provider's kubeconfig.
const kubeconfig =
  placement !== "deployment"
    ? undefined
    : verify.enabled
      ? chooseKubeconfig({
          providerKubeconfig: allConfig["kubernetes:kubeconfig"],
          kubeconfigEnv: process.env.KUBECONFIG,
          home: os.homedir(),
          readFile: (path) => (fs.existsSync(path) ? fs.readFileSync(path, "utf8") : undefined),
        })
      : { skipReason: verify.skipReason ?? "verification disabled" };

// parseStackConfig resolved these options (resolveWorkload): their strings are the component's values.
const { name, tolerations, ...options } = workloadOptions as typeof workloadOptions &
  Pick<EbpfWorkbenchArgs, "computeClass" | "computeQos" | "architecture" | "capabilityProfile" | "seccompProfile">;
const workbench = new EbpfWorkbench(
  name,
  {
    ...options,
    placement,
    workloadName: name,
    probeKinds: options.probeKinds ? ([...options.probeKinds] as ProbeKind[]) : undefined,
    tolerations: placement === "node" ? tolerations : undefined,
    // The program's own pod: the deployment placement's workbench shell without a self-test, or the node placement's self-tested monitor.
    mode: config.pod.mode ?? "workbench",
    selfTest: config.pod.selfTest ?? false,
    ...(config.image.mode === "build"
      ? {
          build: {
            ...config.image.args,
            registry: { ...config.image.args.registry, password: secrets.requireSecret("registryPassword") },
          },
        }
      : // parseStackConfig accepted a fixed tag, with a warning (the render-only dev stack uses one).
        { image: config.image.ref, allowImageTag: true }),
    registryCredentials: config.pullCredentials && {
      ...config.pullCredentials,
      password: secrets.requireSecret("registryPassword"),
    },
    ...(placement === "deployment"
      ? {
          kubeconfig: kubeconfig && "kubeconfig" in kubeconfig ? kubeconfig.kubeconfig : undefined,
          verifySkipReason: kubeconfig && "skipReason" in kubeconfig ? kubeconfig.skipReason : undefined,
          kubeconfigContext: allConfig["kubernetes:context"],
          verifyTarget: verify.target,
          verifyReadyTimeoutSeconds: verify.readyTimeoutSeconds,
          verifyAttachTimeoutSeconds: verify.attachTimeoutSeconds,
          verifyEventTimeoutSeconds: verify.eventTimeoutSeconds,
        }
      : {}),
  },
  // In-process transformations (not `transforms`, which need the engine): they also run under unit-test mocks.
  { transformations: [keepEarlierUrns(name)] },
);

const workload = workbench.workload!;
const verification = workbench.verification;

export const namespace = workload.namespace;
export const workloadName = workload.deploymentName;
export const image = workload.image;
export const capabilities = workload.capabilities;
export const capabilitiesLeftOut = workload.notNeeded;
export const podSize = workload.resolved.podSize;
export const warnings = [...config.warnings, ...workload.warnings];
// The node placement has no exec verification: each DaemonSet pod checks itself (the self-test startupProbe).
export const verificationResult = verification
  ? {
      verified: verification.verified,
      skipped: verification.skipped,
      skipReason: verification.skipReason,
      pod: verification.pod,
      kernel: verification.kernel,
      architecture: verification.architecture,
      effectiveCapabilities: verification.effectiveCapabilities,
      excessCapabilities: verification.excessCapabilities,
      matchedEvent: verification.matchedEvent,
      timings: verification.timings,
      minimization: verification.minimization,
      warnings: verification.warnings,
    }
  : { verified: pulumi.output(false), skipped: pulumi.output(true), skipReason: pulumi.output(verify.skipReason) };
