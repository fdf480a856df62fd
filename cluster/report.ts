/**
 * The report of a cluster run (`npm run cluster -- --json`) and its exit status. Pure module.
 *
 * {"node":{"kubernetesVersion","containerRuntime","kernel"},
 *  "probe":{"grant":[...],"capEff","capBnd","noNewPrivs","seccomp"},
 *  "scenarios":[{"name","ok","seconds","detail"}]}
 */

export interface NodeFacts {
  kubernetesVersion: string;
  containerRuntime: string;
  kernel: string;
}

export interface ProbeFacts {
  /** The capabilities the model granted the probe container. */
  grant: string[];
  /** 16 hex digits from the container's /proc/self/status */
  capEff: string;
  capBnd: string;
  noNewPrivs: number;
  /** The `Seccomp:` number (2 = a filter, containerd's RuntimeDefault) */
  seccomp: number;
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

export interface ClusterReport {
  node: NodeFacts | null;
  probe: ProbeFacts | null;
  scenarios: ScenarioResult[];
}

/** 0 only when at least one scenario ran and every one is ok. */
export function exitStatus(report: ClusterReport): number {
  return report.scenarios.length > 0 && report.scenarios.every((s) => s.ok) ? 0 : 1;
}

/** Text for a person: one line per scenario, then the node and the probe. */
export function reportText(report: ClusterReport): string {
  const lines = report.scenarios.map(
    (s) => `${s.ok ? "ok  " : "FAIL"} ${s.name} (${s.seconds.toFixed(1)} s): ${s.detail}`,
  );
  if (report.node)
    lines.push(
      `node: Kubernetes ${report.node.kubernetesVersion}, ${report.node.containerRuntime}, kernel ${report.node.kernel}`,
    );
  if (report.probe)
    lines.push(
      `probe: grant [${report.probe.grant.join(", ")}], CapEff ${report.probe.capEff}, CapBnd ${report.probe.capBnd}, NoNewPrivs ${report.probe.noNewPrivs}, Seccomp ${report.probe.seccomp}`,
    );
  const failed = report.scenarios.filter((s) => !s.ok).length;
  lines.push(
    report.scenarios.length === 0
      ? "no scenario ran"
      : failed === 0
        ? `all ${report.scenarios.length} scenarios ok`
        : `${failed} of ${report.scenarios.length} scenarios failed`,
  );
  return lines.join("\n");
}

/** Runs one scenario: its result, never a throw (the error's message is the detail). */
export async function runScenario(
  name: string,
  body: () => Promise<string>,
  now = () => Date.now(),
): Promise<ScenarioResult> {
  const started = now();
  try {
    const detail = await body();
    return { name, ok: true, seconds: (now() - started) / 1000, detail };
  } catch (err) {
    return {
      name,
      ok: false,
      seconds: (now() - started) / 1000,
      detail: err instanceof Error ? err.message : String(err),
    };
  }
}
