/**
 * examples/platform-sidecar: the offline render is what the transform registers, it validates
 * against the Kubernetes schema, and the reviewer accepts it.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ebpfSidecarTransform } from "../../components/ebpfSidecar";
import { parseYamlDocuments, reviewDocuments } from "../../policy/review";
import { checkVerifications } from "../../policy/stackRules";
import { ebpfSidecarWorkload } from "../../core/sidecar";
import { PROBE, shopDeployment } from "../../examples/platform-sidecar/app";
import { renderShop } from "../../examples/platform-sidecar/render";

const EXAMPLE = path.join(__dirname, "..", "..", "examples", "platform-sidecar");

describe("examples/platform-sidecar", () => {
  test("renders offline: the Deployment with the native sidecar probe, and the notes", () => {
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(EXAMPLE, "render.ts")], {
      encoding: "utf8",
      cwd: path.join(__dirname, "..", ".."),
    });
    expect(r.status).toBe(0);
    const [object] = parseYamlDocuments(r.stdout) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(object).toEqual(JSON.parse(JSON.stringify(renderShop().object)));
    expect(object.spec.template.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(["ebpf-probe"]);
    expect(r.stderr).toMatch(/note: ACS pod size 1 vCPU \/ 2 GiB → 1\.5 vCPU \/ 3 GiB/);
    expect(r.stderr).toMatch(/note: Namespace shop must enforce Pod Security privileged/);
  });

  test("the render is what the stack's transform registers", async () => {
    const transformed = await ebpfSidecarTransform({ ...PROBE, onApplied: () => undefined })({
      custom: true,
      type: "kubernetes:apps/v1:Deployment",
      name: "shop",
      props: shopDeployment as never,
      opts: {},
    });
    expect(transformed!.props).toEqual(renderShop().object);
  });

  test.each<[string, boolean, number]>([
    ["self-tested probe: the rollout is the verification", true, 0],
    ["selfTest off: the stack still needs a verification", false, 1],
  ])("the policy pack's ebpf-verification rule: %s", (_name, selfTest, findings) => {
    const { object } = ebpfSidecarWorkload(shopDeployment, { ...PROBE, selfTest })!;
    expect(
      checkVerifications([
        { type: "kubernetes:apps/v1:Deployment", urn: "urn:shop", props: JSON.parse(JSON.stringify(object)) },
      ]),
    ).toHaveLength(findings);
  });

  test("validates against the Kubernetes schema and passes the reviewer", () => {
    const { object } = renderShop();
    expect(() => new Deployment(object as never).validate()).not.toThrow();
    const review = reviewDocuments([object]);
    expect(review.reviewed).toBe(1);
    expect(review.violations).toEqual([]);
  });
});
