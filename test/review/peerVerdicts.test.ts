/**
 * How `npm run bench -- --peers` reads each peer's output into a verdict (bench/peers/tools.ts),
 * on output captured from the pinned versions: which lines are findings, and which of those are
 * about capabilities or a privileged container.
 */
import { PEERS } from "../../bench/peers/build";
import { Tool, byWords, peerTools } from "../../bench/peers/tools";

// The tools' descriptions do not need their binaries: build a Tool for each peer whatever its state.
jest.mock("../../bench/peers/build", () => {
  const actual = jest.requireActual("../../bench/peers/build");
  return { ...actual, buildState: () => ({ ready: true }) };
});
jest.mock("fs", () => {
  const actual = jest.requireActual("fs");
  return {
    ...actual,
    writeFileSync: jest.fn(),
    existsSync: (p: string) => (/policy[/\\]KSV017/.test(p) ? true : actual.existsSync(p)),
  };
});

function tool(name: string): Tool {
  const t = peerTools().find((p) => p.peer.tool === name)?.tool;
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

function verdict(name: string, out: string) {
  const t = tool(name);
  const findings = t.findings(out);
  const about = findings.map((f) => (t.about ?? byWords)(f));
  return {
    findings: findings.length,
    capabilities: about.some((a) => a.capabilities),
    privileged: about.some((a) => a.privileged),
  };
}

describe("reading the peers' verdicts", () => {
  test("every peer has a reader", () => {
    expect(PEERS.map((p) => p.tool).filter((n) => !peerTools().find((a) => a.peer.tool === n)?.tool)).toEqual([]);
  });

  test("kube-score: a check's comments are findings named by the check", () => {
    const out = `apps/v1/Deployment p in default                                              💥
    [CRITICAL] Container Security Context Privileged
        · main -> The container is privileged
    [CRITICAL] Pod NetworkPolicy
        · The pod does not have a matching NetworkPolicy
`;
    expect(verdict("kube-score", out)).toEqual({ findings: 2, capabilities: false, privileged: true });
  });

  test("conftest: FAIL lines, judged by the trivy-checks ID", () => {
    const out = `FAIL - p.yaml - builtin.kubernetes.KSV106 - container should not add stuff
FAIL - p.yaml - builtin.kubernetes.KSV001 - Container 'main' should set 'securityContext.allowPrivilegeEscalation' to false

2 tests, 0 passed, 0 warnings, 2 failures, 0 exceptions
`;
    expect(verdict("conftest", out)).toEqual({ findings: 2, capabilities: true, privileged: false });
  });

  test("checkov: the failed checks' titles", () => {
    const out = `kubernetes scan results:

Passed checks: 60, Failed checks: 2, Skipped checks: 0

Check: CKV_K8S_25: "Minimize the admission of containers with added capability"
	FAILED for resource: Deployment.default.p
Check: CKV_K8S_16: "Container should not be privileged"
	FAILED for resource: Deployment.default.p
`;
    expect(verdict("checkov", out)).toEqual({ findings: 2, capabilities: true, privileged: true });
  });

  test("kyverno: each Pod Security control reported forbidden; allowPrivilegeEscalation is not privileged", () => {
    const out = `policy podsecurity-restricted -> resource default/Deployment/p failed:
1 - autogen-restricted Validation rule 'autogen-restricted' failed. It violates PodSecurity "restricted:latest": (Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])(Forbidden reason: non-default capabilities, field error list: [spec.template.spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [BPF PERFMON]])

pass: 0, fail: 1, warn: 0, error: 0, skip: 0
`;
    expect(verdict("kyverno", out)).toEqual({ findings: 2, capabilities: true, privileged: false });
    expect(verdict("kyverno", "pass: 1, fail: 0, warn: 0, error: 0, skip: 0\n")).toEqual({
      findings: 0,
      capabilities: false,
      privileged: false,
    });
  });

  test("trivy: finding lines by ID and severity", () => {
    const out = `AVD-KSV-0017 (HIGH): Container 'main' of Deployment 'p' should set 'securityContext.privileged' to false
════
See https://avd.aquasec.com/misconfig/ksv017
`;
    expect(verdict("trivy", out)).toEqual({ findings: 1, capabilities: false, privileged: true });
  });
});
