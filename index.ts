/**
 * The stack program: read config → components → exports. Every config key is validated by
 * parseStackConfig before the first resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "./components/ebpfWorkload";
import { WorkbenchImage } from "./components/workbenchImage";
import { parseStackConfig } from "./core/stackConfig";

const config = parseStackConfig(pulumi.runtime.allConfig());
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
  image: imageRef,
  registryCredentials: config.pullCredentials && {
    ...config.pullCredentials,
    password: secrets.requireSecret("registryPassword"),
  },
});

export const namespace = workload.namespace;
export const workloadName = workload.deploymentName;
export const image = workload.image;
export const capabilities = workload.capabilities;
export const capabilitiesLeftOut = workload.notNeeded;
export const podSize = workload.resolved.podSize;
export const warnings = [...config.warnings, ...workload.warnings];
