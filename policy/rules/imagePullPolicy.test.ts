import { container, pod, run } from "../testing";
import { imagePullPolicy } from "./imagePullPolicy";

const digest = "sha256:" + "b".repeat(64);

describe("image-pull-policy", () => {
  it.each([
    ["digest, IfNotPresent", `r/app@${digest}`, "IfNotPresent", 0],
    ["digest, unset", `r/app@${digest}`, undefined, 0],
    ["tag, Always", "r/app:1", "Always", 0],
    ["tag, unset (IfNotPresent applies)", "r/app:1", undefined, 1],
    ["tag, IfNotPresent", "r/app:1", "IfNotPresent", 1],
    ["tag, Never", "r/app:1", "Never", 1],
    ["latest, unset (Always applies)", "r/app:latest", undefined, 0],
    ["no tag, unset (Always applies)", "r/app", undefined, 0],
    ["no tag, IfNotPresent", "r:5000/app", "IfNotPresent", 1],
  ])("%s", (_name, image, policy, count) => {
    const findings = run(
      imagePullPolicy,
      pod([container(undefined, { image, ...(policy ? { imagePullPolicy: policy } : {}) })]),
    );
    expect(findings).toHaveLength(count);
    for (const f of findings) expect(f.message).toMatch(/pin the image by digest, or set imagePullPolicy: Always/);
  });
});
