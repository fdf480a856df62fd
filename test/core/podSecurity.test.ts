import { planCapabilities } from "../../core/capabilities";
import { ENFORCE_LABEL, namespacePodSecurityRefusal } from "../../core/podSecurity";

const plan = planCapabilities({ probeKinds: ["fentry"], kernel: "unknown" });

describe("an existing namespace's Pod Security level, against the probe's pods", () => {
  test.each([
    ["privileged", { [ENFORCE_LABEL]: "privileged" }],
    ["no enforce label (the cluster's default applies)", { "team.example/owner": "net" }],
    ["no labels at all", undefined],
  ])("admitted: %s", (_, labels) => {
    expect(namespacePodSecurityRefusal("probes", labels, plan)).toBeUndefined();
  });

  test.each(["baseline", "restricted"])("refused by %s, naming the level, the capabilities and the fix", (level) => {
    const refusal = namespacePodSecurityRefusal("probes", { [ENFORCE_LABEL]: level }, plan);
    expect(refusal?.input).toBe("namespace");
    expect(refusal?.value).toBe("probes");
    expect(refusal?.message).toContain(`it enforces Pod Security "${level}" (label ${ENFORCE_LABEL}=${level})`);
    expect(refusal?.message).toContain(`they add ${plan.add.map((g) => g.name).join(", ")}`);
    expect(refusal?.message).toContain(`kubectl label namespace probes ${ENFORCE_LABEL}=privileged --overwrite`);
  });

  test("a label that is not a level is refused as such, under the caller's input name", () => {
    const refusal = namespacePodSecurityRefusal(
      "probes",
      { [ENFORCE_LABEL]: "Privileged" },
      plan,
      "acs-ebpf:namespace",
    );
    expect(refusal?.input).toBe("acs-ebpf:namespace");
    expect(refusal?.message).toContain("is not a Pod Security level (privileged, baseline, restricted)");
  });

  test("the fentry plan needs privileged: its grant is outside baseline", () => {
    expect(plan.podSecurityLevel).toBe("privileged");
    expect(plan.add.map((g) => g.name)).toEqual(expect.arrayContaining(["BPF", "PERFMON"]));
  });
});
