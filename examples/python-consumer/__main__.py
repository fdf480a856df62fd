"""A platform stack in Python using the acs-ebpf components through the component provider.

The SDK (pulumi_acs_ebpf) is generated from the provider's inferred schema: `pulumi package add
<repo>/provider` (docs/languages.md). The same settings as ../typescript-consumer:
test/e2e/consumers.e2e.ts compares the Kubernetes objects they render.
"""
import pulumi
import pulumi_acs_ebpf as acs_ebpf

IMAGE = "registry-vpc.cn-hangzhou.aliyuncs.com/platform/ebpf-workbench@sha256:" + "0" * 64
KERNEL = "5.10.134-16.3.al8.x86_64"

workbench = acs_ebpf.EbpfWorkbench("workbench", image=IMAGE, kernel=KERNEL, self_test=True)

shop = acs_ebpf.EbpfSidecarWorkload(
    "shop",
    image=IMAGE,
    kubernetes_version="1.31",
    kernel=KERNEL,
    mode=acs_ebpf.ProbeMode.MONITOR,
    self_test=True,
    workload={
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "shop", "namespace": "shop", "labels": {"app": "shop", "acs-ebpf.io/ebpf-sidecar": "enabled"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {
                "metadata": {
                    "labels": {"app": "shop", "alibabacloud.com/compute-class": "general-purpose", "alibabacloud.com/compute-qos": "default"}
                },
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [
                        {
                            "name": "web",
                            "image": "registry-vpc.cn-hangzhou.aliyuncs.com/shop/web@sha256:" + "a" * 64,
                            "ports": [{"containerPort": 8080}],
                            "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
                            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                        }
                    ],
                },
            },
        },
    },
)

# The node placement for a node-based cluster, also on its control-plane nodes.
acs_ebpf.EbpfWorkbench(
    "nodes",
    placement=acs_ebpf.Placement.NODE,
    image=IMAGE,
    kernel=KERNEL,
    namespace="ebpf-nodes",
    tolerations=[
        acs_ebpf.TolerationArgs(
            key="node-role.kubernetes.io/control-plane", operator=acs_ebpf.TolerationOperator.EXISTS, effect=acs_ebpf.TaintEffect.NO_SCHEDULE
        )
    ],
)

pulumi.export("capabilities", workbench.capabilities)
pulumi.export("imageRef", workbench.image_ref)
pulumi.export("billingChange", shop.billing_change)
