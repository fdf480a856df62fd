/**
 * The reference for ../yaml-consumer and ../python-consumer: the same settings, through the library
 * itself (the sidecar by ebpfSidecarTransform, as TypeScript stacks use it). test/e2e/consumers.e2e.ts
 * deploys all of them to render-to-directory stacks and compares the objects.
 */
import * as k8s from "@pulumi/kubernetes";
import { EbpfWorkbench } from "../../components/ebpfWorkbench";
import { ebpfSidecarTransform } from "../../components/ebpfSidecar";
import { SIDECAR_OPT_IN_LABEL, SIDECAR_OPT_IN_VALUE } from "../../core/sidecar";

const image = `registry-vpc.cn-hangzhou.aliyuncs.com/platform/ebpf-workbench@sha256:${"0".repeat(64)}`;
const kernel = "5.10.134-16.3.al8.x86_64";

const workbench = new EbpfWorkbench("workbench", { image, kernel, selfTest: true });

const probe = ebpfSidecarTransform({ image, kubernetesVersion: "1.31", kernel, mode: "monitor", selfTest: true });
new k8s.apps.v1.Deployment(
  "shop",
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shop", namespace: "shop", labels: { app: "shop", [SIDECAR_OPT_IN_LABEL]: SIDECAR_OPT_IN_VALUE } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "shop" } },
      template: {
        metadata: { labels: { app: "shop", "alibabacloud.com/compute-class": "general-purpose", "alibabacloud.com/compute-qos": "default" } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "web",
              image: `registry-vpc.cn-hangzhou.aliyuncs.com/shop/web@sha256:${"a".repeat(64)}`,
              ports: [{ containerPort: 8080 }],
              resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  },
  { transforms: [probe] },
);

export const capabilities = workbench.capabilities;
export const imageRef = workbench.imageRef;
