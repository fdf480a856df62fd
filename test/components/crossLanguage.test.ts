/* eslint-disable @typescript-eslint/no-explicit-any -- the tests navigate deep Kubernetes objects */
/**
 * The components as the component provider serves them, under Pulumi mocks: EbpfSidecarWorkload
 * (the sidecar placement for any language) declares exactly what ebpfSidecarTransform makes of the
 * same object, refuses bad input before registering anything, and EbpfWorkbench leaves the
 * dynamic-provider verification out inside the provider, saying why.
 */
import { installMocks, registered, settle, valueOf } from "../support/pulumiMocks";
installMocks();

import * as pulumi from "@pulumi/pulumi";
import { EbpfSidecarWorkload } from "../../components/ebpfSidecarWorkload";
import { EbpfWorkbench } from "../../components/ebpfWorkbench";
import { ebpfSidecarTransform } from "../../components/ebpfSidecar";
import {
  CROSS_LANGUAGE_SIDECAR_NOTE,
  CROSS_LANGUAGE_VERIFICATION_NOTE,
  isComponentProvider,
  markComponentProvider,
} from "../../components/crossLanguage";
import { InputErrors } from "../../core/errors";
import { SELFTEST_PATH } from "../../core/workload";

const IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"e".repeat(64)}`;
const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
const PROBE = { image: IMAGE, kubernetesVersion: "1.31", kernel: "5.10.134-16.3.al8.x86_64", selfTest: true };

const shop = (labels: Record<string, string>, kind = "Deployment"): Record<string, any> => ({
  apiVersion: kind === "CronJob" ? "batch/v1" : "apps/v1",
  kind,
  metadata: { name: "shop", namespace: "shop", labels },
  spec: {
    selector: { matchLabels: { app: "shop" } },
    template: {
      metadata: { labels: { app: "shop" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "registry.example/web@sha256:" + "a".repeat(64),
            resources: { requests: { cpu: "1", memory: "2Gi" } },
          },
        ],
      },
    },
  },
});
const OPTED_IN = { app: "shop", "acs-ebpf.io/ebpf-sidecar": "enabled" };

describe("EbpfSidecarWorkload", () => {
  test("declares the workload with the probe, exactly as ebpfSidecarTransform changes it", async () => {
    const before = registered.length;
    const component = new EbpfSidecarWorkload("shop", { ...PROBE, workload: shop(OPTED_IN) });
    await settle();
    const mine = registered.slice(before);
    expect(mine.map((r) => r.type)).toEqual(["acs-ebpf:index:EbpfSidecarWorkload", "kubernetes:apps/v1:Deployment"]);
    const transformed = ebpfSidecarTransform({ ...PROBE, onApplied: () => undefined })({
      type: "kubernetes:apps/v1:Deployment",
      name: "shop",
      custom: true,
      props: shop(OPTED_IN),
      opts: {},
    });
    expect(await valueOf(pulumi.output(mine[1].inputs))).toEqual(
      await valueOf(pulumi.output((transformed as pulumi.ResourceTransformResult).props)),
    );
    const probe = (mine[1].inputs as any).spec.template.spec.initContainers[0];
    expect(probe.startupProbe.exec.command).toEqual([SELFTEST_PATH]);
    expect(component.style).toBe("native");
    expect(component.billingChange).toMatch(/^ACS pod size/);
    // The getter hands out the Deployment registered above (the component's child, named like it).
    expect(await valueOf(component.resource.urn)).toMatch(
      /::acs-ebpf:index:EbpfSidecarWorkload\$kubernetes:apps\/v1:Deployment::shop$/,
    );
  });

  test.each([
    [
      "no opt-in label",
      shop({ app: "shop" }),
      /workload\.metadata\.labels\["acs-ebpf\.io\/ebpf-sidecar"\]: \(not set\) is not accepted; expected "enabled"/,
    ],
    [
      "a kind it cannot change",
      { ...shop(OPTED_IN), kind: "DaemonSet" },
      /workload\.kind: "DaemonSet" is not accepted; expected a Deployment, StatefulSet, Job or CronJob/,
    ],
  ])("refuses %s before registering anything", (_what, workload, message) => {
    const before = registered.length;
    expect(() => new EbpfSidecarWorkload("bad", { ...PROBE, workload })).toThrow(message);
    expect(registered.length).toBe(before);
  });

  test("bad probe options are named, all at once", () => {
    let err: unknown;
    try {
      new EbpfSidecarWorkload("bad", { ...PROBE, kubernetesVersion: "latest", cpu: "lots", workload: shop(OPTED_IN) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).errors.map((e) => e.input).sort()).toEqual(["cpu", "kubernetesVersion"]);
  });
});

describe("EbpfWorkbench inside the component provider", () => {
  // Each test marks the provider itself and unmarks it after, so the tests pass in any order.
  beforeEach(() => {
    markComponentProvider();
    warn.mockClear();
  });
  afterEach(() => markComponentProvider(false));

  test("registers no dynamic-provider verification and says why; the self-test stays the startupProbe", async () => {
    const before = registered.length;
    const workbench = new EbpfWorkbench("wb", { image: IMAGE, kernel: "6.6.71" });
    await settle();
    const mine = registered.slice(before);
    expect(mine.map((r) => r.type)).not.toContain("acs-ebpf:index:TcpConnectVerification");
    expect(mine.map((r) => r.type)).toContain("kubernetes:apps/v1:Deployment");
    expect(workbench.verification).toBeUndefined();
    expect(CROSS_LANGUAGE_VERIFICATION_NOTE).toMatch(/pulumi\/pulumi#5455.*npm run verify/);
    expect(warn.mock.calls.flat().join("\n")).toContain("pulumi/pulumi#5455");
    const deployment = mine.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any;
    expect(deployment.spec.template.spec.containers[0].startupProbe.exec.command).toEqual([SELFTEST_PATH]);
  });

  test("the sidecar placement points to EbpfSidecarWorkload (a transform cannot cross languages)", async () => {
    new EbpfWorkbench("wb-sidecar", { image: IMAGE, placement: "sidecar", kubernetesVersion: "1.31" });
    await settle();
    expect(warn.mock.calls.flat().join("\n")).toContain(CROSS_LANGUAGE_SIDECAR_NOTE);
  });
});

describe("EbpfWorkbench outside the component provider (a TypeScript program)", () => {
  beforeEach(() => warn.mockClear());

  test("registers the dynamic-provider verification and warns about neither language limit", async () => {
    expect(isComponentProvider()).toBe(false);
    const before = registered.length;
    const workbench = new EbpfWorkbench("wb-ts", { image: IMAGE, kernel: "6.6.71", kubeconfig: "kc" });
    await settle();
    expect(registered.slice(before).map((r) => r.type)).toContain("acs-ebpf:index:TcpConnectVerification");
    expect(workbench.verification).toBeInstanceOf(pulumi.ComponentResource);
    new EbpfWorkbench("wb-ts-sidecar", { image: IMAGE, placement: "sidecar", kubernetesVersion: "1.31" });
    await settle();
    const warned = warn.mock.calls.flat().join("\n");
    expect(warned).not.toContain("pulumi/pulumi#5455");
    expect(warned).not.toContain(CROSS_LANGUAGE_SIDECAR_NOTE);
  });
});
