/**
 * The application as its team already declares it (plain objects), plus the platform's probe
 * settings. The only change the application needs is the opt-in label on the Deployment.
 */
import type * as k8s from "@pulumi/kubernetes";
import { SIDECAR_OPT_IN_LABEL, SIDECAR_OPT_IN_VALUE, type SidecarOptions } from "acs-ebpf";

/** The workbench image by digest (a WorkbenchImage build's `imageRef`, or one built elsewhere). */
export const PROBE_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/platform/ebpf-workbench@sha256:${"0".repeat(64)}`;

/** The probe, as the platform team configures it for this cluster. */
export const PROBE: SidecarOptions = {
  image: PROBE_IMAGE,
  kubernetesVersion: "1.31", // `kubectl version`: native sidecar from 1.29
  kernel: "5.10.134-16.3.al8.x86_64", // ACS sandboxes on Alibaba Cloud Linux 3: BPF, PERFMON, SYS_RESOURCE
  mode: "monitor", // tcp_connect events on stdout, for the cluster's log collection
  selfTest: true, // the rollout fails if eBPF does not work in the pod
};

/** The existing application: a web shop on ACS, least privilege already. */
export const shopDeployment: k8s.types.input.apps.v1.Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "shop", namespace: "shop", labels: { app: "shop", [SIDECAR_OPT_IN_LABEL]: SIDECAR_OPT_IN_VALUE } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "shop" } },
    template: {
      metadata: {
        labels: {
          app: "shop",
          "alibabacloud.com/compute-class": "general-purpose",
          "alibabacloud.com/compute-qos": "default",
        },
      },
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
};
