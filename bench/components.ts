/**
 * 500 workloads through EbpfWorkload under Pulumi mocks against 500 raw @pulumi/kubernetes
 * Deployments with the same spec (the manifest the component builds), each batch timed until every
 * Deployment's URN has resolved.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EbpfWorkload } from "../components/ebpfWorkload";
import { deploymentManifest, pullPolicyFor } from "../core/manifests";
import { resolveWorkload } from "../core/workloadOptions";
import { BenchResult, compare } from "./measure";

const WORKLOADS = 500;
const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"a".repeat(64)}`;

function urnOf(r: pulumi.Resource): Promise<string> {
  return new Promise((resolve) => r.urn.apply((u) => resolve(u)));
}

export async function componentBenchmarks(): Promise<BenchResult[]> {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "acs-ebpf",
    "bench",
    false,
  );
  // Without an engine, pulumi.log.warn prints to the console: the component's warnings would be
  // timed as terminal output. Count them instead (with an engine they are one gRPC call each).
  let warnings = 0;
  const warn = console.warn;
  console.warn = () => {
    warnings++;
  };
  let batch = 0;
  const args = { image: IMAGE, namespace: "ebpf", createNamespace: false, kernel: "6.6.71" };
  const manifest = deploymentManifest(
    resolveWorkload({ name: "w", namespace: "ebpf", createNamespace: false, kernel: "6.6.71" }),
    {
      image: IMAGE,
      imagePullPolicy: pullPolicyFor(IMAGE),
      imagePullSecrets: [],
    },
  );
  const r = await compare(
    "ebpf-workload-500",
    `${WORKLOADS} EbpfWorkload components (createNamespace false) under Pulumi mocks vs ${WORKLOADS} raw k8s.apps.v1.Deployment with the manifest the component builds; target ratio <= 1.5`,
    async () => {
      const b = batch++;
      const urns: Promise<string>[] = [];
      for (let i = 0; i < WORKLOADS; i++)
        urns.push(urnOf(new EbpfWorkload(`w${b}-${i}`, { ...args, workloadName: `w${b}-${i}` }).workload));
      await Promise.all(urns);
    },
    async () => {
      const b = batch++;
      const urns: Promise<string>[] = [];
      for (let i = 0; i < WORKLOADS; i++) {
        const name = `w${b}-${i}`;
        urns.push(
          urnOf(
            new k8s.apps.v1.Deployment(`${name}-deployment`, { ...manifest, metadata: { ...manifest.metadata, name } }),
          ),
        );
      }
      await Promise.all(urns);
    },
    1.5,
  ).finally(() => {
    console.warn = warn;
  });
  r.warnings_per_workload = Math.round(warnings / (batch / 2) / WORKLOADS);
  return [r];
}
