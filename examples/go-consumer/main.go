// A platform stack in Go using the acs-ebpf components through the component provider, with the
// same settings as ../typescript-consumer (test/e2e/consumers.e2e.ts compares what they render).
//
// The program is program(); main runs it the way the Go Automation API runs inline programs (its
// own language server, the CLI started with --client), because the Go module proxy serves no Go
// language host. With a full CLI, `pulumi up` runs program() through pulumi.Run the usual way.
//
//	go run . up|preview|destroy   (PULUMI_ROOT: the folder with bin/pulumi; plugins on PATH)
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	acsebpf "example.com/pulumi-acs-ebpf/sdk/go/acs-ebpf"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const kernel = "5.10.134-16.3.al8.x86_64"

var image = "registry-vpc.cn-hangzhou.aliyuncs.com/platform/ebpf-workbench@sha256:" + strings.Repeat("0", 64)

func program(ctx *pulumi.Context) error {
	workbench, err := acsebpf.NewEbpfWorkbench(ctx, "workbench", &acsebpf.EbpfWorkbenchArgs{
		Image: pulumi.String(image), Kernel: pulumi.StringRef(kernel), SelfTest: pulumi.BoolRef(true),
	})
	if err != nil {
		return err
	}
	mode := acsebpf.ProbeModeMonitor
	shop, err := acsebpf.NewEbpfSidecarWorkload(ctx, "shop", &acsebpf.EbpfSidecarWorkloadArgs{
		Image: pulumi.String(image), KubernetesVersion: "1.31", Kernel: pulumi.StringRef(kernel), Mode: &mode, SelfTest: pulumi.BoolRef(true),
		Workload: map[string]pulumi.Input{
			"apiVersion": pulumi.String("apps/v1"),
			"kind":       pulumi.String("Deployment"),
			"metadata": pulumi.Map{"name": pulumi.String("shop"), "namespace": pulumi.String("shop"),
				"labels": pulumi.StringMap{"app": pulumi.String("shop"), "acs-ebpf.io/ebpf-sidecar": pulumi.String("enabled")}},
			"spec": pulumi.Map{
				"replicas": pulumi.Int(2),
				"selector": pulumi.Map{"matchLabels": pulumi.StringMap{"app": pulumi.String("shop")}},
				"template": pulumi.Map{
					"metadata": pulumi.Map{"labels": pulumi.StringMap{"app": pulumi.String("shop"),
						"alibabacloud.com/compute-class": pulumi.String("general-purpose"), "alibabacloud.com/compute-qos": pulumi.String("default")}},
					"spec": pulumi.Map{
						"securityContext": pulumi.Map{"runAsNonRoot": pulumi.Bool(true), "runAsUser": pulumi.Int(10001),
							"seccompProfile": pulumi.Map{"type": pulumi.String("RuntimeDefault")}},
						"containers": pulumi.Array{pulumi.Map{
							"name":  pulumi.String("web"),
							"image": pulumi.String("registry-vpc.cn-hangzhou.aliyuncs.com/shop/web@sha256:" + strings.Repeat("a", 64)),
							"ports": pulumi.Array{pulumi.Map{"containerPort": pulumi.Int(8080)}},
							"resources": pulumi.Map{
								"requests": pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("2Gi")},
								"limits":   pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("2Gi")}},
							"securityContext": pulumi.Map{"allowPrivilegeEscalation": pulumi.Bool(false),
								"capabilities": pulumi.Map{"drop": pulumi.StringArray{pulumi.String("ALL")}}},
						}},
					},
				},
			},
		},
	})
	if err != nil {
		return err
	}
	// The node placement for a node-based cluster, also on its control-plane nodes.
	placement, operator, effect := acsebpf.PlacementNode, acsebpf.TolerationOperatorExists, acsebpf.TaintEffectNoSchedule
	if _, err := acsebpf.NewEbpfWorkbench(ctx, "nodes", &acsebpf.EbpfWorkbenchArgs{
		Image: pulumi.String(image), Kernel: pulumi.StringRef(kernel), Placement: &placement, Namespace: pulumi.StringRef("ebpf-nodes"),
		Tolerations: []acsebpf.TolerationArgs{{Key: pulumi.StringRef("node-role.kubernetes.io/control-plane"), Operator: &operator, Effect: &effect}},
	}); err != nil {
		return err
	}
	ctx.Export("capabilities", workbench.Capabilities)
	ctx.Export("imageRef", workbench.ImageRef)
	ctx.Export("billingChange", shop.BillingChange)
	return nil
}

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "go-consumer: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: go run . up|preview|destroy")
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: os.Getenv("PULUMI_ROOT"), SkipVersionCheck: true})
	if err != nil {
		return err
	}
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "acs-ebpf-go-consumer", program, auto.WorkDir(dir), auto.Pulumi(cli))
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		_, err = stack.Up(ctx, optup.ProgressStreams(os.Stdout), optup.ErrorProgressStreams(os.Stderr))
	case "preview":
		_, err = stack.Preview(ctx)
	case "destroy":
		_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
	default:
		err = fmt.Errorf("%q is not accepted; expected up, preview or destroy", args[0])
	}
	return err
}
