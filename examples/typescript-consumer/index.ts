/**
 * The reference for ../yaml-consumer and ../python-consumer: the same settings, through the library
 * itself (the sidecar by ebpfSidecarTransform, as TypeScript stacks use it). test/e2e/consumers.e2e.ts
 * deploys all of them to render-to-directory stacks and compares the objects.
 */
import * as k8s from "@pulumi/kubernetes";
import { EbpfWorkbench, ebpfSidecarTransform } from "acs-ebpf";
import { PROBE, shopDeployment } from "../platform-sidecar/app";

// The probe and the shop Deployment of examples/platform-sidecar: the same settings.
const workbench = new EbpfWorkbench("workbench", { image: PROBE.image, kernel: PROBE.kernel, selfTest: true });
new k8s.apps.v1.Deployment("shop", shopDeployment, { transforms: [ebpfSidecarTransform(PROBE)] });
// The node placement for a node-based cluster, also on its control-plane nodes.
new EbpfWorkbench("nodes", {
  placement: "node",
  image: PROBE.image,
  kernel: PROBE.kernel,
  namespace: "ebpf-nodes",
  tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
});

export const capabilities = workbench.capabilities;
export const imageRef = workbench.imageRef;
