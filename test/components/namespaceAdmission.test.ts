/**
 * EbpfWorkload in a namespace it does not create: the namespace is read, and a Pod Security level
 * that would reject the probe's pods fails the namespace name every child waits on (its pull
 * Secret, its Deployment), so the engine creates none of them and prints the RunError's message.
 * The children's own failures are not provoked here: under mocks, jest would report each rejected
 * registration; that nothing else is created is shown on a real API server (`npm run cluster`,
 * scenario pod-security-baseline) and by the component test that the Deployment's namespace is this name.
 */
import * as pulumi from "@pulumi/pulumi";
import { existingObjects, installMocks, registered, settle } from "../support/pulumiMocks";
installMocks();

import { admittingNamespace, validateEbpfWorkloadArgs } from "../../components/ebpfWorkload";

const DIGEST_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"a".repeat(64)}`;

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Parent", name);
  }
}

/** The checked namespace name of a workload in `namespace`, which exists with `enforce`: its value or error. */
async function admission(namespace: string, enforce: string | undefined, checkPodSecurity = true) {
  existingObjects[`kubernetes:core/v1:Namespace:${namespace}`] = {
    metadata: { name: namespace, labels: enforce ? { "pod-security.kubernetes.io/enforce": enforce } : {} },
  };
  const resolved = validateEbpfWorkloadArgs("probe", {
    image: DIGEST_IMAGE,
    namespace,
    createNamespace: false,
    checkPodSecurity,
  });
  const before = registered.length;
  const name = admittingNamespace(`probe-${namespace}`, resolved, new Parent(`parent-${namespace}`));
  // An Output holds several promises (value, known, secret, resources); each rejects with the error.
  const o = name as unknown as {
    promise(): Promise<string>;
    isKnown?: unknown;
    isSecret?: unknown;
    allResources?: () => unknown;
  };
  for (const p of [o.isKnown, o.isSecret, o.allResources?.call(o)]) if (p instanceof Promise) p.catch(() => undefined);
  const outcome = await o.promise().then(
    (v) => v,
    (e: Error) => e,
  );
  await settle();
  return { outcome, reads: registered.slice(before).filter((r) => r.read) };
}

describe("an existing namespace, checked against the probe's Pod Security level", () => {
  test.each(["baseline", "restricted"])("%s: a RunError naming the namespace, its level and the fix", async (level) => {
    const logged = jest.spyOn(pulumi.log, "error").mockImplementation(async () => undefined);
    let calls: unknown[][] = [];
    const { outcome, reads } = await admission(`probes-${level}`, level).finally(() => {
      calls = [...logged.mock.calls];
      logged.mockRestore();
    });
    expect(reads.map((r) => r.name)).toEqual([`probe-probes-${level}-existing-namespace`]);
    expect(pulumi.RunError.isInstance(outcome)).toBe(true);
    // Also logged as its own diagnostic on the component, not only inside the engine's serialization error.
    expect(calls).toEqual([[(outcome as Error).message, expect.any(pulumi.ComponentResource)]]);
    expect((outcome as Error).message).toBe(
      `namespace: "probes-${level}" is not accepted (it enforces Pod Security "${level}" (label pod-security.kubernetes.io/enforce=${level}), which rejects the probe's pods: they add BPF, PERFMON, SYS_RESOURCE, outside "baseline"); expected a namespace that enforces "privileged" (kubectl label namespace probes-${level} pod-security.kubernetes.io/enforce=privileged --overwrite), a Pod Security exemption for the workload, or createNamespace true`,
    );
  });

  test.each([
    ["privileged", "privileged"],
    ["no enforce label", undefined],
  ])("%s: the name, once read", async (_, enforce) => {
    const { outcome, reads } = await admission(`open-${enforce ?? "unlabelled"}`, enforce);
    expect(outcome).toBe(`open-${enforce ?? "unlabelled"}`);
    expect(reads).toHaveLength(1);
  });

  test("checkPodSecurity false: the name as given, nothing read", async () => {
    const { outcome, reads } = await admission("strict-but-unchecked", "restricted", false);
    expect(outcome).toBe("strict-but-unchecked");
    expect(reads).toEqual([]);
  });
});
