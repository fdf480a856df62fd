import { container, pod, run } from "../testing";
import { imageDigest } from "./imageDigest";

const digest = "sha256:" + "a".repeat(64);

describe("image-digest", () => {
  it("is advisory by default", () => expect(imageDigest.defaultLevel).toBe("advisory"));

  it.each([
    ["digest", `reg.example/app@${digest}`, 0],
    ["tag and digest", `reg.example/app:1.0@${digest}`, 0],
    ["tag", "reg.example/app:1.0", 1],
    ["no tag", "reg.example/app", 1],
    ["short digest", "reg.example/app@sha256:abc", 1],
    ["registry with port, tag", "reg.example:5000/app:1", 1],
  ])("%s", (_name, image, count) => {
    const findings = run(imageDigest, pod([container(undefined, { image })]));
    expect(findings).toHaveLength(count);
    for (const f of findings) expect(f.message).toMatch(/@sha256:<digest>/);
  });

  it("suggests the repository without the tag", () => {
    expect(run(imageDigest, pod([container(undefined, { image: "reg.example:5000/app:1" })]))[0].message).toContain(
      "reg.example:5000/app@sha256:<digest>",
    );
  });

  it("reports a container without an image", () => {
    expect(run(imageDigest, pod([{ name: "c" }]))[0].message).toMatch(/has no image/);
  });
});
