import { COMPUTE_CLASS_LABEL, COMPUTE_QOS_LABEL } from "../../core/acs";
import { container, deployment, pod, run } from "../testing";
import { acsComputeLabels } from "./acsComputeLabels";

const labelled = (labels: Record<string, string>) => deployment([container()], {}, { labels: { app: "d", ...labels } });

describe("acs-compute-labels", () => {
  it.each([
    ["no ACS labels", labelled({}), []],
    ["valid pair", labelled({ [COMPUTE_CLASS_LABEL]: "performance", [COMPUTE_QOS_LABEL]: "best-effort" }), []],
    [
      "bad class",
      labelled({ [COMPUTE_CLASS_LABEL]: "huge" }),
      [`spec.template.metadata.labels["${COMPUTE_CLASS_LABEL}"]`],
    ],
    [
      "bad qos",
      labelled({ [COMPUTE_QOS_LABEL]: "premium" }),
      [`spec.template.metadata.labels["${COMPUTE_QOS_LABEL}"]`],
    ],
    [
      "gpu-hpn with best-effort",
      labelled({ [COMPUTE_CLASS_LABEL]: "gpu-hpn", [COMPUTE_QOS_LABEL]: "best-effort" }),
      [`spec.template.metadata.labels["${COMPUTE_QOS_LABEL}"]`],
    ],
    [
      "class in matchLabels",
      deployment([container()], {}, {}, { matchLabels: { app: "d", [COMPUTE_CLASS_LABEL]: "general-purpose" } }),
      [`spec.selector.matchLabels["${COMPUTE_CLASS_LABEL}"]`],
    ],
    [
      "qos in matchExpressions",
      deployment(
        [container()],
        {},
        {},
        { matchExpressions: [{ key: COMPUTE_QOS_LABEL, operator: "In", values: ["default"] }] },
      ),
      ["spec.selector.matchExpressions[0]"],
    ],
    [
      "Pod labels",
      pod([container()], {}, { labels: { [COMPUTE_CLASS_LABEL]: "tiny" } }),
      [`metadata.labels["${COMPUTE_CLASS_LABEL}"]`],
    ],
  ])("%s", (_name, obj, fields) => {
    const findings = run(acsComputeLabels, obj);
    expect(findings.map((f) => f.field)).toEqual(fields);
  });

  it("says what is accepted", () => {
    expect(run(acsComputeLabels, labelled({ [COMPUTE_CLASS_LABEL]: "huge" }))[0].message).toMatch(
      /"huge".*one of: general-purpose, performance, gpu, gpu-hpn/,
    );
    expect(
      run(acsComputeLabels, deployment([container()], {}, {}, { matchLabels: { [COMPUTE_QOS_LABEL]: "default" } }))[0]
        .message,
    ).toMatch(/remove it from the selector/);
  });
});
