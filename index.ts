/**
 * The stack program: read config → components → exports. Every config key is validated by
 * parseStackConfig before the first resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { EbpfWorkload } from "./components/ebpfWorkload";
import { parseStackConfig } from "./core/stackConfig";

const config = parseStackConfig(pulumi.runtime.allConfig());
const { workloadOptions } = config;

const workload = new EbpfWorkload(workloadOptions.name, {
  ...workloadOptions,
  workloadName: workloadOptions.name,
  probeKinds: workloadOptions.probeKinds ? [...workloadOptions.probeKinds] : undefined,
  image: config.image,
});

export const namespace = workload.namespace;
export const workloadName = workload.deploymentName;
export const image = workload.image;
export const capabilities = workload.capabilities;
export const capabilitiesLeftOut = workload.notNeeded;
export const podSize = workload.resolved.podSize;
export const warnings = workload.warnings;
