/**
 * The stack program: read config → components → exports. Every config key is validated by
 * parseStackConfig before the first resource is registered.
 */
import * as fs from "fs";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "./components/ebpfWorkload";
import { TcpConnectVerification, workloadUnderTest } from "./components/tcpConnectVerification";
import { WorkbenchImage } from "./components/workbenchImage";
import { parseStackConfig } from "./core/stackConfig";
import { PINNED } from "./images/ebpf-workbench/versions";
import { chooseKubeconfig } from "./verification/kubeconfigSource";

const allConfig = pulumi.runtime.allConfig();
const config = parseStackConfig(allConfig, PINNED);
const secrets = new pulumi.Config();
for (const warning of config.warnings) pulumi.log.warn(warning);

// The image: an existing reference, or a build pushed to ACR and deployed by digest.
const imageRef: pulumi.Input<string> =
  config.image.mode === "build"
    ? new WorkbenchImage("workbench", {
        ...config.image.args,
        registry: { ...config.image.args.registry, password: secrets.requireSecret("registryPassword") },
      }).imageRef
    : config.image.ref;

const { workloadOptions } = config;
const workload = new EbpfWorkload(workloadOptions.name, {
  ...workloadOptions,
  workloadName: workloadOptions.name,
  probeKinds: workloadOptions.probeKinds ? [...workloadOptions.probeKinds] : undefined,
  ...config.pod,
  image: imageRef,
  registryCredentials: config.pullCredentials && {
    ...config.pullCredentials,
    password: secrets.requireSecret("registryPassword"),
  },
});

// The verification: the tcp_connect fentry trace in the pod, with the Kubernetes provider's kubeconfig.
const kubeconfig = config.verification.enabled
  ? chooseKubeconfig({
      providerKubeconfig: allConfig["kubernetes:kubeconfig"],
      kubeconfigEnv: process.env.KUBECONFIG,
      home: os.homedir(),
      readFile: (path) => (fs.existsSync(path) ? fs.readFileSync(path, "utf8") : undefined),
    })
  : { skipReason: config.verification.skipReason ?? "verification disabled" };
const verification = new TcpConnectVerification(
  "tcp-connect",
  {
    ...workloadUnderTest(workload),
    kubeconfig: "kubeconfig" in kubeconfig ? pulumi.secret(kubeconfig.kubeconfig) : undefined,
    skipReason: "skipReason" in kubeconfig ? kubeconfig.skipReason : undefined,
    context: allConfig["kubernetes:context"],
    probeKinds: workload.resolved.plan.probeKinds,
    target: config.verification.target,
    minimizeCapabilities: config.verification.minimizeCapabilities,
    readyTimeoutSeconds: config.verification.readyTimeoutSeconds,
    attachTimeoutSeconds: config.verification.attachTimeoutSeconds,
    eventTimeoutSeconds: config.verification.eventTimeoutSeconds,
  },
  { dependsOn: [workload] },
);

export const namespace = workload.namespace;
export const workloadName = workload.deploymentName;
export const image = workload.image;
export const capabilities = workload.capabilities;
export const capabilitiesLeftOut = workload.notNeeded;
export const podSize = workload.resolved.podSize;
export const warnings = [...config.warnings, ...workload.warnings];
export const verificationResult = {
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
};
