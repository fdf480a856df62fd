/**
 * The platform stack: the application's Deployment, declared as before, gets the eBPF probe in its
 * pods through a resource transform. `pulumi preview` shows the probe container and prints the
 * ACS billing change and what the namespace now needs.
 */
import * as k8s from "@pulumi/kubernetes";
import { ebpfSidecarTransform } from "acs-ebpf";
import { PROBE, shopDeployment } from "./app";

const probe = ebpfSidecarTransform(PROBE);

// Pod Security: the probe adds BPF and PERFMON, so the namespace must admit privileged pods.
const ns = new k8s.core.v1.Namespace("shop", {
  metadata: { name: "shop", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
});
const shop = new k8s.apps.v1.Deployment("shop", shopDeployment, { transforms: [probe], dependsOn: [ns] });

export const deployment = shop.metadata.name;
