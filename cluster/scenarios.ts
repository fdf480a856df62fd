/* eslint-disable @typescript-eslint/no-explicit-any -- the scenarios navigate deep Kubernetes objects and stack outputs read back as JSON */
/**
 * The scenarios, each through the real engine (`npm run pulumi`'s entry) against the running
 * cluster, each asserting what it claims and returning a one-line detail. They share one stack and
 * run in order: deployment placement first (it creates what the next ones look at), destroy last.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ApiEndpoint, apiOk, apiRequest } from "./api";
import { Cluster } from "./node";
import { freePort } from "./processes";
import { memlockScenario } from "./memlock";
import { assert, execInPod } from "./scenarioSupport";
import { NODE_NAME, VERIFIER_USER } from "./nodeConfig";
import { ProbeFacts, NodeFacts } from "./report";
import { capabilityMask, deploymentReady, nodeReadiness, parseProcStatus } from "./status";
import { createWorkspace, Workspace, expectSuccess, CliResult } from "../testing/e2e/workspace";
import { findCanaries, separateDebugEvents } from "../testing/e2e/canaries";
import { policyViolations } from "../testing/e2e/engineOutput";

const REPO = path.resolve(__dirname, "..");

const NS = "ebpf-cluster";
const DEPLOYMENT = "workbench";
const STACK = "cluster";
const PROGRAM = path.join(__dirname, "program");

export const SCENARIO_NAMES = [
  "deployment-placement",
  "memlock-rlimit",
  "no-op-rerun",
  "least-privilege-verifier",
  "policy-preview",
  "verify-cli",
  "node-placement",
  "sidecar-placement",
  "pod-security-baseline",
  "fault-api-unreachable",
  "fault-pod-deleted",
  "fault-kubelet-restart",
  "fault-image-missing",
  "fault-registry-password",
  "secrets",
  "destroy",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioRun {
  cluster: Cluster;
  ws: Workspace;
  project: string;
  /** Every engine event log written so far (scanned for secrets). */
  eventLogs: string[];
  node?: NodeFacts;
  /** The node's kernel (`uname -r`), the model's kernel input. */
  kernel: string;
  probe?: ProbeFacts;
  log: (line: string) => void;
  /** Stacks a scenario initialised for itself and has not destroyed yet. */
  ownStacks: Set<string>;
}

export async function prepareStack(cluster: Cluster, log: (line: string) => void): Promise<ScenarioRun> {
  const ws = createWorkspace();
  const project = ws.project("cluster", {
    projectFile: path.join(PROGRAM, "Pulumi.yaml"),
    entry: path.join(PROGRAM, "index.ts"),
  });
  const run: ScenarioRun = { cluster, ws, project, eventLogs: [], log, kernel: "unknown", ownStacks: new Set() };
  // The model's kernel input is the node's `uname -r`, as the component's warning asks for.
  const node = nodeReadiness(await apiOk(cluster.admin, "GET", `/api/v1/nodes/${NODE_NAME}`));
  run.kernel = node.kernel ?? "unknown";
  await initStack(run, STACK, { namespace: NS, deployment: DEPLOYMENT });
  return run;
}

/** A stack of the cluster program with the run's image, registry and kubeconfigs, plus `extra` config. */
async function initStack(run: ScenarioRun, stack: string, extra: Record<string, string>): Promise<void> {
  const { cluster, ws, project } = run;
  expectSuccess(await ws.pulumi(project, ["stack", "init", stack]), `stack init ${stack}`);
  if (stack !== STACK) run.ownStacks.add(stack);
  const set = (key: string, value: string, secret = false) => setConfig(run, stack, key, value, secret);
  await set("image", cluster.workbenchImage);
  await set("kernel", run.kernel);
  for (const [k, v] of Object.entries(extra)) await set(k, v);
  await set("registryServer", cluster.registry.server);
  await set("registryUsername", cluster.registry.username);
  await set("registryPassword", cluster.registry.password, true);
  await set("verifierUser", VERIFIER_USER);
  await set("verifierKubeconfig", cluster.verifierKubeconfig, true);
  await set("kubernetes:kubeconfig", cluster.adminKubeconfig, true);
}

async function up(run: ScenarioRun, extra: string[] = [], stack = STACK): Promise<CliResult> {
  const eventLog = path.join(run.ws.root, `events-${run.eventLogs.length}.jsonl`);
  run.eventLogs.push(eventLog);
  return run.ws.pulumi(
    run.project,
    ["up", "--stack", stack, "--yes", "--skip-preview", "--event-log", eventLog, ...extra],
    { env: { PULUMI_DEBUG_COMMANDS: "true" }, timeoutMs: 900_000 },
  );
}

/** The stack's outputs (none of them secret: printed without --show-secrets, so no secret reaches the transcript). */
async function outputs(run: ScenarioRun, stack = STACK): Promise<Record<string, any>> {
  return JSON.parse(
    expectSuccess(await run.ws.pulumi(run.project, ["stack", "output", "--stack", stack, "--json"]), "stack output")
      .stdout,
  );
}

async function deploymentPods(admin: ApiEndpoint, ns = NS): Promise<any[]> {
  const list = await apiOk<{ items: any[] }>(admin, "GET", `/api/v1/namespaces/${ns}/pods`);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** The events of one pod, `reason: message` each. */
async function podEvents(admin: ApiEndpoint, ns: string, pod: string): Promise<string[]> {
  const list = await apiOk<{ items: any[] }>(
    admin,
    "GET",
    `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${pod}`)}`,
  );
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

/** The Ready pod in which the check's tracer runs, once it does (wherever the check chose to run); undefined after 400 s. */
async function waitForTracer(cluster: Cluster): Promise<string | undefined> {
  const until = Date.now() + 400_000;
  while (Date.now() < until) {
    await new Promise((res) => setTimeout(res, 1000));
    for (const pod of await deploymentPods(cluster.admin)) {
      if (!pod.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")) continue;
      const tracing = await execInPod(cluster, NS, pod.metadata.name, pod.spec.containers[0].name, [
        "/bin/sh",
        "-c",
        'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = fentry-tcp-conn ] && echo yes; done; true',
      ]).catch(() => "");
      if (tracing.includes("yes")) return pod.metadata.name;
    }
  }
  return undefined;
}

/** Waits until the Deployment's rollout is done and only its new pods are left (the provider's await can return early). */
async function waitForRollout(admin: ApiEndpoint, ns: string, name: string): Promise<void> {
  const until = Date.now() + 240_000;
  let dep: any;
  while (Date.now() < until) {
    dep = await apiOk<any>(admin, "GET", `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
    const want = dep.spec.replicas ?? 1;
    // Rolled out, and no old replica left (status.replicas counts them too).
    const done = deploymentReady(dep) && (dep.status?.replicas ?? 0) === want;
    if (done && (await deploymentPods(admin, ns)).length === want) return;
    await new Promise((res) => setTimeout(res, 2000));
  }
  throw new Error(`Deployment ${ns}/${name} did not finish its rollout within 240 s: ${JSON.stringify(dep?.status)}`);
}

async function waitForNodeReady(cluster: Cluster): Promise<void> {
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    const r = await apiRequest(cluster.admin, "GET", `/api/v1/nodes/${NODE_NAME}`);
    if (r.status === 200 && nodeReadiness(r.body).ready) return;
    await new Promise((res) => setTimeout(res, 2000));
  }
  throw new Error(`node ${NODE_NAME} not Ready within 180 s after the kubelet restart`);
}

/** Runs a program to its end; never rejects for a non-zero exit. */
function runCommand(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: REPO, maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
      if (err && code === -1 && !stdout) reject(err);
      else resolve({ code, stdout, stderr });
    });
  });
}

async function setConfig(run: ScenarioRun, stack: string, key: string, value: string, secret = false): Promise<void> {
  expectSuccess(
    await run.ws.pulumi(run.project, [
      "config",
      "set",
      "--stack",
      stack,
      ...(secret ? ["--secret"] : []),
      key,
      "--",
      value,
    ]),
    `config set ${key}`,
  );
}

async function removeConfig(run: ScenarioRun, stack: string, ...keys: string[]): Promise<void> {
  for (const key of keys)
    expectSuccess(await run.ws.pulumi(run.project, ["config", "rm", "--stack", stack, key]), `config rm ${key}`);
}

async function destroyStack(run: ScenarioRun, stack: string): Promise<void> {
  const d = await run.ws.pulumi(run.project, ["destroy", "--stack", stack, "--yes", "--skip-preview"], {
    timeoutMs: 600_000,
  });
  assert(d.code === 0, `destroy of the ${stack} stack exited ${d.code}:\n${d.output.slice(-2000)}`);
  run.ownStacks.delete(stack);
}

/**
 * After a failed scenario: destroys the stacks it left (best effort), so its pods do not hold the
 * node's CPU from the scenarios after it. Returns what it did, for the log.
 */
export async function cleanUpAfterFailure(run: ScenarioRun): Promise<string[]> {
  const done: string[] = [];
  for (const stack of [...run.ownStacks]) {
    try {
      await destroyStack(run, stack);
      done.push(`destroyed stack ${stack}`);
    } catch (err) {
      done.push(`could not destroy stack ${stack}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return done;
}

/** The model's grant for the node's kernel, as deployment-placement read it from the stack (sorted). */
function modelGrant(run: ScenarioRun): string[] {
  assert(run.probe, "this scenario compares with deployment-placement's grant: run deployment-placement first");
  return [...run.probe.grant].sort();
}

/** The line of a CLI output that matches, trimmed (for the scenario's detail). */
function lineOf(text: string, re: RegExp): string | undefined {
  return text
    .split("\n")
    .find((l) => re.test(l))
    ?.trim();
}

export const SCENARIOS: Record<ScenarioName, (run: ScenarioRun) => Promise<string>> = {
  /** pulumi up: Namespace + Deployment on the real API server, Ready; the check verified through the kubelet's exec. */
  async "deployment-placement"(run) {
    const { cluster } = run;
    const r = await up(run);
    assert(r.code === 0, `pulumi up exited ${r.code}:\n${r.output.slice(-4000)}`);
    const out = await outputs(run);
    const v = out.verificationResult;
    assert(v.verified === true && v.skipped === false, `verificationResult: ${JSON.stringify(v)}`);
    const ns = await apiOk<any>(cluster.admin, "GET", `/api/v1/namespaces/${NS}`);
    const dep = await apiOk<any>(cluster.admin, "GET", `/apis/apps/v1/namespaces/${NS}/deployments/${DEPLOYMENT}`);
    assert(deploymentReady(dep), `Deployment ${DEPLOYMENT} not rolled out: ${JSON.stringify(dep.status)}`);
    const node = nodeReadiness(await apiOk(cluster.admin, "GET", `/api/v1/nodes/${NODE_NAME}`));
    assert(v.kernel === node.kernel, `the check's kernel ${v.kernel} is not the node's ${node.kernel}`);
    const ev = v.matchedEvent;
    assert(
      ev && ev.comm === "bash" && ev.dstAddr === "127.0.0.1" && ev.dstPort > 0,
      `matched event is not the check's own connection (bash → 127.0.0.1): ${JSON.stringify(ev)}`,
    );
    const pods = await deploymentPods(cluster.admin);
    const pod = pods.find((p) => p.metadata.name === v.pod);
    assert(pod, `pod ${v.pod} of the check is not in ${NS}: ${pods.map((p) => p.metadata.name).join(", ")}`);
    const container = pod.spec.containers[0];
    assert(
      pod.spec.containers[0].image === cluster.workbenchImage,
      `pod image ${container.image}, expected ${cluster.workbenchImage}`,
    );
    assert(
      String(pod.status.containerStatuses?.[0]?.imageID ?? "").endsWith(cluster.workbenchImage.split("@")[1]),
      `the kubelet pulled ${pod.status.containerStatuses?.[0]?.imageID}, not the digest ${cluster.workbenchImage}`,
    );
    const status = parseProcStatus(await execInPod(cluster, NS, v.pod, container.name, ["cat", "/proc/self/status"]));
    const grant: string[] = (out.capabilities as { name: string }[]).map((c) => c.name).sort();
    const effective = [...(v.effectiveCapabilities as string[])].sort();
    assert(JSON.stringify(effective) === JSON.stringify(grant), `effective ${effective} != the model's grant ${grant}`);
    assert(
      status.capEff === capabilityMask(grant),
      `CapEff ${status.capEff} in the pod, expected ${capabilityMask(grant)} (${grant.join(", ")})`,
    );
    run.node = {
      kubernetesVersion: node.kubeletVersion ?? "",
      containerRuntime: node.containerRuntime ?? "",
      kernel: node.kernel ?? "",
    };
    run.probe = {
      grant,
      capEff: status.capEff,
      capBnd: status.capBnd,
      noNewPrivs: status.noNewPrivs,
      seccomp: status.seccomp,
    };
    return `namespace ${ns.metadata.name} (enforce ${ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]}), Deployment ready, pod ${v.pod} pulled ${cluster.workbenchImage.split("/").pop()}; verified through the kubelet's exec on ${v.kernel}: ${ev.comm} ${ev.srcAddr}→${ev.dstAddr}:${ev.dstPort}; CapEff ${status.capEff} = [${grant.join(", ")}]`;
  },

  /** The model's SYS_RESOURCE before 5.11 against the node's RLIMIT_MEMLOCK (cluster/memlock.ts). */
  "memlock-rlimit": (run) =>
    memlockScenario(run.cluster, {
      namespace: NS,
      deployment: DEPLOYMENT,
      kernel: run.kernel,
      grant: run.probe?.grant,
    }),

  /** A second up with --expect-no-changes, then refresh --expect-no-changes. */
  async "no-op-rerun"(run) {
    const r = await up(run, ["--expect-no-changes"]);
    assert(r.code === 0, `second pulumi up changed something or failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
    const refresh = await run.ws.pulumi(
      run.project,
      ["refresh", "--stack", STACK, "--yes", "--expect-no-changes", "--skip-preview"],
      {
        timeoutMs: 600_000,
      },
    );
    assert(refresh.code === 0, `refresh found drift or failed (exit ${refresh.code}):\n${refresh.output.slice(-3000)}`);
    return "pulumi up --expect-no-changes and pulumi refresh --expect-no-changes both exit 0";
  },

  /** The verifier's identity has only its Role: the check passed with it; broader requests are refused. */
  async "least-privilege-verifier"(run) {
    const { cluster } = run;
    const verifier: ApiEndpoint = {
      ...cluster.admin,
      token: /"token":\s*"([^"]+)"/.exec(cluster.verifierKubeconfig)![1],
    };
    const allowed = await apiRequest(verifier, "GET", `/api/v1/namespaces/${NS}/pods`);
    assert(allowed.status === 200, `the verifier cannot list pods in ${NS}: HTTP ${allowed.status}`);
    const refused: string[] = [];
    for (const [method, p, body] of [
      ["GET", `/api/v1/namespaces/${NS}/secrets`, undefined],
      ["GET", `/api/v1/namespaces/default/pods`, undefined],
      [
        "POST",
        `/api/v1/namespaces/${NS}/pods`,
        { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [{ name: "x", image: "x" }] } },
      ],
      ["DELETE", `/apis/apps/v1/namespaces/${NS}/deployments/${DEPLOYMENT}`, undefined],
    ] as const) {
      const r = await apiRequest(verifier, method, p, body);
      assert(r.status === 403, `the verifier's ${method} ${p} returned HTTP ${r.status}, expected 403 Forbidden`);
      refused.push(`${method} ${p.replace(`/namespaces/${NS}`, "")}`);
    }
    return `the check ran as ${VERIFIER_USER} (Role: get deployments, get/list pods, list events, create/get pods/exec); refused with 403: ${refused.join("; ")}`;
  },

  /** `pulumi preview --policy-pack` against the live stack: it passes; a variant that breaks a rule is refused. */
  async "policy-preview"(run) {
    const { cluster, ws, project } = run;
    const pack = path.join(REPO, "policy");
    const preview = () =>
      ws.pulumi(project, ["preview", "--stack", STACK, "--policy-pack", pack, "--expect-no-changes"], {
        timeoutMs: 600_000,
      });
    const pass = await preview();
    assert(pass.code === 0, `preview with the policy pack exited ${pass.code}:\n${pass.output.slice(-3000)}`);
    const packLine = lineOf(pass.output, /acs-ebpf@v0\.1\.0 \(local: /);
    assert(packLine, `the policy pack did not run:\n${pass.output.slice(-3000)}`);
    const passed = policyViolations(pass.stdout);
    assert(
      passed.every((v) => v.level !== "mandatory"),
      `mandatory violations on the deployed stack: ${JSON.stringify(passed)}`,
    );
    // The variant: the vendor document's capabilities (SYS_ADMIN and six more, debugfs).
    await setConfig(run, STACK, "capabilityProfile", "vendor-demo");
    let refused;
    try {
      refused = await preview();
    } finally {
      await removeConfig(run, STACK, "capabilityProfile");
    }
    assert(refused.code !== 0, "preview of the vendor-demo variant passed the policy pack");
    const mandatory = policyViolations(refused.stdout).filter((v) => v.level === "mandatory");
    const extra = mandatory
      .filter((v) => v.policy === "ebpf-least-privilege")
      .map((v) => /adds (\w+), not needed/.exec(v.message)?.[1])
      .filter(Boolean)
      .sort();
    assert(
      extra.includes("SYS_ADMIN") && mandatory.some((v) => v.policy === "host-path"),
      `the pack did not name SYS_ADMIN and the debugfs host path: ${JSON.stringify(mandatory)}`,
    );
    const dep = await apiOk<any>(cluster.admin, "GET", `/apis/apps/v1/namespaces/${NS}/deployments/${DEPLOYMENT}`);
    const caps: string[] = dep.spec.template.spec.containers[0].securityContext.capabilities.add;
    const grant = modelGrant(run);
    assert(
      JSON.stringify([...caps].sort()) === JSON.stringify(grant),
      `the refused preview changed the Deployment: it adds ${caps}, the model's grant is ${grant}`,
    );
    return `preview --policy-pack of the deployed stack: exit 0, no change, "${packLine}", ${passed.length} violation(s) (${passed.map((v) => `${v.level} ${v.policy}`).join(", ") || "none"}); the vendor-demo variant refused (exit ${refused.code}): ${mandatory.length} mandatory, ebpf-least-privilege names ${extra.join(", ")}, ${[...new Set(mandatory.map((v) => v.policy))].filter((p) => p !== "ebpf-least-privilege").join(", ")}; the Deployment still adds ${caps.join(", ")}`;
  },

  /** `npm run verify`, `--minimize` and the excess-capability audit against the real pod, as the verifier. */
  async "verify-cli"(run) {
    const { cluster, ws } = run;
    const kubeconfigFile = path.join(ws.root, "verifier.kubeconfig");
    fs.writeFileSync(kubeconfigFile, cluster.verifierKubeconfig, { mode: 0o600 });
    const verify = async (...extra: string[]) => {
      const r = await runCommand(path.join(REPO, "node_modules", ".bin", "tsx"), [
        path.join(REPO, "cli", "verify.ts"),
        "--namespace",
        NS,
        "--deployment",
        DEPLOYMENT,
        "--kubeconfig",
        kubeconfigFile,
        "--json",
        ...extra,
      ]);
      let result: any;
      try {
        result = JSON.parse(r.stdout);
      } catch {
        throw new Error(
          `npm run verify ${extra.join(" ")} exited ${r.code} without a JSON result:\n${r.stderr.slice(-2000)}`,
        );
      }
      return { code: r.code, result };
    };
    // Without SETPCAP: the trace verifies (no excess capability) and the minimization is refused.
    const refused = await verify("--minimize");
    const m0 = refused.result.minimization;
    assert(
      refused.code === 0 && refused.result.verified && refused.result.excessCapabilities.length === 0,
      `npm run verify --minimize: exit ${refused.code}, ${JSON.stringify({ verified: refused.result.verified, excess: refused.result.excessCapabilities, failure: refused.result.failure })}`,
    );
    assert(
      m0 && m0.performed === false && /CAP_SETPCAP/.test(m0.reason ?? ""),
      `--minimize without SETPCAP: ${JSON.stringify(m0)}`,
    );
    // A stack granting SETPCAP for the minimization: BPF, PERFMON, SETPCAP.
    await setConfig(run, STACK, "minimizeCapabilities", "true");
    const granted = await up(run);
    assert(granted.code === 0, `pulumi up with SETPCAP exited ${granted.code}:\n${granted.output.slice(-3000)}`);
    await waitForRollout(cluster.admin, NS, DEPLOYMENT);
    const min = await verify("--minimize");
    const m = min.result.minimization;
    assert(
      min.code === 0 && m?.performed === true,
      `--minimize with SETPCAP: exit ${min.code}, ${JSON.stringify(m ?? min.result.failure)}`,
    );
    // Every capability of the model's grant for this kernel is necessary; SETPCAP (the minimization's own) is not.
    const grant = modelGrant(run);
    assert(
      JSON.stringify([...m.necessary].sort()) === JSON.stringify(grant) &&
        JSON.stringify(m.unnecessary) === JSON.stringify(["SETPCAP"]),
      `minimization: necessary ${m.necessary}, unnecessary ${m.unnecessary}, inconclusive ${m.inconclusive}; expected ${grant.join(", ")} necessary, SETPCAP not`,
    );
    const audit = await verify();
    assert(
      audit.code === 0 && JSON.stringify(audit.result.excessCapabilities) === JSON.stringify(["SETPCAP"]),
      `the audit of the SETPCAP pod: exit ${audit.code}, excess ${JSON.stringify(audit.result.excessCapabilities)}`,
    );
    const failedWithout = m.runs
      .filter((x: any) => !x.verified)
      .map((x: any) => `${x.removed}: ${x.failure}`)
      .join(", ");
    return `as ${VERIFIER_USER}: verify exit 0 on [${refused.result.effectiveCapabilities.join(", ")}], no excess; --minimize refused without SETPCAP ("${m0.reason.slice(0, 70)}…"); with ${[...grant, "SETPCAP"].join("+")} (pod ${min.result.pod}): necessary ${m.necessary.join(", ")} (${failedWithout}), unnecessary ${m.unnecessary.join(", ")}; the audit without --minimize flags ${audit.result.excessCapabilities.join(", ")} as excess`;
  },

  /** A DaemonSet on a tainted node: not scheduled without the toleration, running with it. */
  async "node-placement"(run) {
    const { cluster } = run;
    const ns = "ebpf-node";
    const stack = "node";
    const taint = { key: "acs-ebpf.test/dedicated", value: "probe", effect: "NoSchedule" };
    const patchTaints = (taints: object[]) =>
      apiOk(cluster.admin, "PATCH", `/api/v1/nodes/${NODE_NAME}`, { spec: { taints } }, "application/merge-patch+json");
    await initStack(run, stack, { namespace: ns, deployment: "probe", placement: "node", verify: "false" });
    await patchTaints([taint]);
    try {
      const first = await up(run, [], stack);
      assert(
        first.code === 0,
        `pulumi up (node placement, no toleration) exited ${first.code}:\n${first.output.slice(-3000)}`,
      );
      const ds = await apiOk<any>(cluster.admin, "GET", `/apis/apps/v1/namespaces/${ns}/daemonsets/probe`);
      assert(
        ds.status.desiredNumberScheduled === 0,
        `without the toleration the DaemonSet wants ${ds.status.desiredNumberScheduled} pods on the tainted node, expected 0`,
      );
      await setConfig(run, stack, "tolerateAll", "true");
      const second = await up(run, [], stack);
      assert(
        second.code === 0,
        `pulumi up (with the toleration) exited ${second.code}:\n${second.output.slice(-3000)}`,
      );
      const pods = await apiOk<{ items: any[] }>(cluster.admin, "GET", `/api/v1/namespaces/${ns}/pods`);
      const running = pods.items.filter((p) => p.spec.nodeName === NODE_NAME && p.status.phase === "Running");
      assert(
        running.length === 1,
        `with the toleration: ${pods.items.map((p) => `${p.metadata.name} ${p.status.phase}`).join(", ") || "no pod"}; expected one Running on ${NODE_NAME}`,
      );
      await destroyStack(run, stack);
      return `node tainted ${taint.key}=${taint.value}:${taint.effect}: DaemonSet scheduled 0 pods without the toleration, then ${running[0].metadata.name} Running with it`;
    } finally {
      await patchTaints([]);
    }
  },

  /**
   * A sample application Deployment with the probe as a native sidecar: the kubelet gates the app on
   * the probe's ebpf-selftest startupProbe; the app holds none of the probe's capabilities. With
   * PERFMON stripped from the probe, the app never starts and `pulumi up` fails with the diagnosis.
   */
  async "sidecar-placement"(run) {
    const { cluster } = run;
    const ns = "ebpf-sidecar";
    const stack = "sidecar";
    const app = "shop";
    await initStack(run, stack, { namespace: ns, deployment: app, placement: "sidecar", rolloutTimeoutSeconds: "60" });
    // First the grant short of PERFMON, as a create (the provider's await of an update can report a
    // rollout complete before the controller has seen it: pulumi-kubernetes' observedGeneration race).
    await setConfig(run, stack, "stripPerfmon", "true");
    const short = await up(run, [], stack);
    assert(short.code !== 0, "pulumi up with the probe short of PERFMON exited 0");
    const [failing] = await deploymentPods(cluster.admin, ns);
    assert(failing, `no pod of ${app} in ${ns}`);
    const failingCaps = failing.spec.initContainers?.[0]?.securityContext?.capabilities?.add ?? [];
    assert(!failingCaps.includes("PERFMON"), `the probe of ${failing.metadata.name} still adds PERFMON`);
    const failingApp = failing.status.containerStatuses?.find((c: any) => c.name === "app");
    assert(
      failingApp?.started !== true && !failingApp?.state?.running && !failingApp?.lastState?.terminated,
      `the app started in ${failing.metadata.name} although its probe lacks PERFMON: ${JSON.stringify(failingApp)}`,
    );
    const events = await podEvents(cluster.admin, ns, failing.metadata.name);
    const selftest = events.find((e) => /acs-ebpf-selftest: FAILED \[operation-not-permitted\]/.test(e));
    assert(selftest, `no event of ${failing.metadata.name} names the self-test's failure:\n${events.join("\n")}`);
    // The provider's await error says only "containers with incomplete status"; the project's hook names the cause.
    const diagnosis = lineOf(short.output, /the rollout is not Ready: .*\[operation-not-permitted\]/);
    assert(diagnosis, `pulumi up's failure does not name the diagnosis:\n${short.output.slice(-4000)}`);
    const provider = lineOf(short.output, /containers with incomplete status/) ?? "";

    // With the grant whole, the next up converges: the kubelet gates the app on the self-test.
    await setConfig(run, stack, "stripPerfmon", "false");
    const again = await up(run, [], stack);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    await waitForRollout(cluster.admin, ns, app);
    const [pod] = await deploymentPods(cluster.admin, ns);
    const probe = pod.spec.initContainers?.[0];
    assert(
      probe?.name === "ebpf-probe" && probe.restartPolicy === "Always",
      `the probe is not a native sidecar (first init container, restartPolicy Always): ${JSON.stringify(probe?.name)} ${probe?.restartPolicy}`,
    );
    assert(
      JSON.stringify(probe.startupProbe?.exec?.command) === JSON.stringify(["/usr/local/bin/ebpf-selftest"]),
      `the probe's startupProbe is not ebpf-selftest: ${JSON.stringify(probe.startupProbe)}`,
    );
    const probeStatus = pod.status.initContainerStatuses?.find((c: any) => c.name === "ebpf-probe");
    const appStatus = pod.status.containerStatuses?.find((c: any) => c.name === "app");
    assert(probeStatus?.started === true, `the probe's startupProbe has not passed: ${JSON.stringify(probeStatus)}`);
    const probeStart = Date.parse(probeStatus.state?.running?.startedAt);
    const appStart = Date.parse(appStatus?.state?.running?.startedAt);
    assert(
      appStatus?.started === true && appStart >= probeStart,
      `the app did not start after the probe: probe ${JSON.stringify(probeStatus.state)}, app ${JSON.stringify(appStatus?.state)}`,
    );
    const appProc = parseProcStatus(
      await execInPod(cluster, ns, pod.metadata.name, "app", ["cat", "/proc/self/status"]),
    );
    const probeProc = parseProcStatus(
      await execInPod(cluster, ns, pod.metadata.name, "ebpf-probe", ["cat", "/proc/self/status"]),
    );
    // The sidecar's probe gets the same grant as the workload's on this kernel.
    const grantNames = modelGrant(run);
    const grant = capabilityMask(grantNames);
    assert(
      probeProc.capEff === grant,
      `the probe's CapEff ${probeProc.capEff}, expected ${grant} (${grantNames.join(", ")})`,
    );
    const added = capabilityMask(["BPF", "PERFMON", "SYS_ADMIN"]);
    assert(
      (BigInt(`0x${appProc.capEff}`) & BigInt(`0x${added}`)) === 0n,
      `the app container holds an added capability: CapEff ${appProc.capEff}`,
    );
    await destroyStack(run, stack);
    return `short of PERFMON: up exited ${short.code}; the provider said "${provider.slice(0, 120)}", the project "${diagnosis.slice(0, 200)}"; app in ${failing.metadata.name} never started (${failingApp?.state?.waiting?.reason ?? "waiting"}), event "${selftest.split("\n")[0].slice(0, 160)}". With PERFMON the next up converged: pod ${pod.metadata.name}, native sidecar ebpf-probe (startupProbe ebpf-selftest passed, CapEff ${probeProc.capEff}); app started ${appStatus.state.running.startedAt} after the probe ${probeStatus.state.running.startedAt}, its CapEff ${appProc.capEff} (no BPF/PERFMON/SYS_ADMIN)`;
  },

  /**
   * An existing namespace that enforces Pod Security "baseline", used with createNamespace false:
   * the real API server refuses the probe's pod there, and the project refuses the up before
   * anything is created, naming why.
   */
  async "pod-security-baseline"(run) {
    const { cluster } = run;
    const ns = "ebpf-baseline";
    const stack = "baseline";
    await apiOk(cluster.admin, "POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
    });
    try {
      // The API server's own verdict on the probe's pod (server-side dry run: nothing is created).
      const probe = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "probe-dry-run" },
        spec: {
          containers: [
            {
              name: "probe",
              image: cluster.workbenchImage,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
            },
          ],
        },
      };
      const admission = await apiRequest(cluster.admin, "POST", `/api/v1/namespaces/${ns}/pods?dryRun=All`, probe);
      const refusal = (admission.body as any)?.message ?? admission.text;
      assert(
        admission.status === 403 && /violates PodSecurity "baseline/.test(refusal),
        `the API server admitted the probe's pod in a baseline namespace: HTTP ${admission.status} ${refusal}`,
      );
      await initStack(run, stack, { namespace: ns, deployment: "workbench", createNamespace: "false" });
      const started = Date.now();
      const r = await up(run, [], stack);
      const seconds = Math.round((Date.now() - started) / 1000);
      assert(r.code !== 0, "pulumi up into a baseline namespace exited 0");
      // The refusal ends the up: it must not wait on the Deployment's rollout (or hang, pulumi/pulumi#14980).
      assert(seconds < 180, `pulumi up into a baseline namespace took ${seconds} s to fail`);
      const why = lineOf(r.output, /enforces Pod Security "baseline"/);
      assert(why, `the failure does not say why (Pod Security "baseline"):\n${r.output.slice(-3000)}`);
      const left: string[] = [];
      for (const [kind, p] of [
        ["Deployments", `/apis/apps/v1/namespaces/${ns}/deployments`],
        ["Secrets", `/api/v1/namespaces/${ns}/secrets`],
        ["Roles", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`],
        ["Pods", `/api/v1/namespaces/${ns}/pods`],
      ]) {
        const items = (await apiOk<{ items: any[] }>(cluster.admin, "GET", p)).items;
        if (items.length) left.push(`${kind}: ${items.map((i) => i.metadata.name).join(", ")}`);
      }
      assert(left.length === 0, `the refused up created objects in ${ns}: ${left.join("; ")}`);
      await destroyStack(run, stack);
      return `the API server refuses the probe's pod in ${ns} ("${refusal.slice(0, 140)}"); pulumi up exited ${r.code} after ${seconds} s before creating anything: "${why.slice(0, 260)}"`;
    } finally {
      await apiRequest(cluster.admin, "DELETE", `/api/v1/namespaces/${ns}`);
    }
  },

  /** The API server unreachable: up fails naming it, creates nothing; with the cluster back, the next up converges. */
  async "fault-api-unreachable"(run) {
    const { cluster } = run;
    const ns = "ebpf-unreachable";
    const stack = "api-down";
    const closed = await freePort();
    await initStack(run, stack, { namespace: ns, deployment: "workbench" });
    const setKubeconfig = (kc: string) => setConfig(run, stack, "kubernetes:kubeconfig", kc, true);
    await setKubeconfig(cluster.adminKubeconfig.replace(cluster.server, `https://127.0.0.1:${closed}`));
    const failed = await up(run, [], stack);
    assert(failed.code !== 0, "pulumi up against an unreachable API server exited 0");
    const cause = /[^\n]*(connection refused|cluster is unreachable|unable to connect)[^\n]*/i
      .exec(failed.output)?.[0]
      ?.trim();
    assert(
      cause && failed.output.includes(`127.0.0.1:${closed}`),
      `the failure does not name the unreachable API server:\n${failed.output.slice(-2000)}`,
    );
    const created = await apiRequest(cluster.admin, "GET", `/api/v1/namespaces/${ns}`);
    assert(created.status === 404, `namespace ${ns} exists after the failed up (HTTP ${created.status})`);
    await setKubeconfig(cluster.adminKubeconfig);
    const again = await up(run, [], stack);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    const out = await outputs(run, stack);
    assert(out.verificationResult?.verified === true, `after recovery: ${JSON.stringify(out.verificationResult)}`);
    await destroyStack(run, stack);
    return `up exited ${failed.code} with "${cause.slice(0, 160)}", nothing created; with the API server back the next up converged and verified`;
  },

  /**
   * The pod deleted while the check's tracer runs in it: up fails naming the deletion; the next up
   * re-runs the check on the replacement pod and converges. The window: a target that never
   * resolves, so the attached tracer waits for an event that cannot come (eventTimeoutSeconds).
   */
  async "fault-pod-deleted"(run) {
    const { cluster } = run;
    // A pod template change re-runs the check (minimizeCapabilities back to false, as verify-cli left it).
    await setConfig(run, STACK, "minimizeCapabilities", "false");
    await setConfig(run, STACK, "target", "acs-ebpf-never.invalid:80");
    await setConfig(run, STACK, "eventTimeoutSeconds", "120");
    const pending = up(run);
    const deleted = await waitForTracer(cluster);
    if (deleted) {
      await new Promise((res) => setTimeout(res, 3000));
      await apiOk(cluster.admin, "DELETE", `/api/v1/namespaces/${NS}/pods/${deleted}`);
    }
    const failed = await pending;
    assert(deleted, `the check's tracer was never seen running in a pod:\n${failed.output.slice(-3000)}`);
    assert(failed.code !== 0, `pulumi up exited 0 although pod ${deleted} was deleted during the trace`);
    const cause = lineOf(failed.output, /verification failed \[/);
    assert(
      cause && /\[pod-deleted\]/.test(cause) && cause.includes(deleted),
      `the failure does not name the deleted pod ${deleted}:\n${failed.output.slice(-4000)}`,
    );
    await removeConfig(run, STACK, "target", "eventTimeoutSeconds");
    const again = await up(run);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    const v = (await outputs(run)).verificationResult;
    assert(v.verified === true && v.pod !== deleted, `after the fault: ${JSON.stringify(v)}`);
    return `pod ${deleted} deleted while the tracer ran: up exited ${failed.code} with "${cause.slice(0, 220)}"; the next up re-ran the check on ${v.pod} and verified`;
  },

  /**
   * The kubelet killed and restarted while the check's tracer runs (its exec stream goes through the
   * kubelet): up fails naming the broken exec session; with the target back, the next up re-runs the
   * check and converges.
   */
  async "fault-kubelet-restart"(run) {
    const { cluster } = run;
    // A pod template change re-runs the check: SETPCAP granted again (the pod-deleted fault removed it).
    await setConfig(run, STACK, "minimizeCapabilities", "true");
    // The window, as in fault-pod-deleted: a target that never resolves keeps the attached tracer
    // waiting (with the default target the whole check can end before the restart lands).
    await setConfig(run, STACK, "target", "acs-ebpf-never.invalid:80");
    await setConfig(run, STACK, "eventTimeoutSeconds", "120");
    const pending = up(run);
    const pod = await waitForTracer(cluster);
    let restarted = "";
    if (pod) {
      await new Promise((res) => setTimeout(res, 3000));
      restarted = (await cluster.control("kubelet restart")).trim();
    }
    const failed = await pending;
    assert(pod, `the check's tracer was never seen running in a pod:\n${failed.output.slice(-3000)}`);
    assert(failed.code !== 0, `pulumi up exited 0 although the kubelet restarted during the trace (${restarted})`);
    const cause = lineOf(failed.output, /verification failed \[/);
    assert(
      cause && /\[exec-lost\]/.test(cause) && /kubelet/.test(cause),
      `the failure does not name the broken exec stream (the kubelet):\n${failed.output.slice(-4000)}`,
    );
    await waitForNodeReady(cluster);
    await removeConfig(run, STACK, "target", "eventTimeoutSeconds");
    const again = await up(run);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    const v = (await outputs(run)).verificationResult;
    assert(v.verified === true, `after the kubelet restart: ${JSON.stringify(v)}`);
    return `kubelet restarted (${restarted || "no output"}) while the tracer ran in ${pod}: up exited ${failed.code} with "${cause.slice(0, 240)}"; with the target back, the next up re-ran the check on ${v.pod} and verified`;
  },

  /**
   * An image digest the registry does not have, on a stack of its own (a create: the provider's
   * await of an update can report success before the controller saw it): with a 60 s rollout
   * timeout, up fails in about a minute naming the pull error; with the image back, the next up converges.
   */
  async "fault-image-missing"(run) {
    const { cluster } = run;
    const stack = "image-missing";
    const ns = "ebpf-image-missing";
    const missing = cluster.workbenchImage.replace(/@sha256:[0-9a-f]{64}$/, `@sha256:${"0123456789abcdef".repeat(4)}`);
    await initStack(run, stack, {
      namespace: ns,
      deployment: "workbench",
      verify: "false",
      rolloutTimeoutSeconds: "60",
    });
    await setConfig(run, stack, "image", missing);
    const started = Date.now();
    const failed = await up(run, [], stack);
    const seconds = Math.round((Date.now() - started) / 1000);
    assert(failed.code !== 0, `pulumi up with the digest ${missing} exited 0`);
    const cause = lineOf(failed.output, /ErrImagePull|ImagePullBackOff/);
    assert(
      cause && /not found/i.test(failed.output),
      `the failure does not name the missing image (ErrImagePull/ImagePullBackOff, not found):\n${failed.output.slice(-4000)}`,
    );
    await setConfig(run, stack, "image", cluster.workbenchImage);
    const again = await up(run, [], stack);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    await waitForRollout(cluster.admin, ns, "workbench");
    await destroyStack(run, stack);
    return `up with a digest the registry lacks exited ${failed.code} after ${seconds} s: "${cause.slice(0, 260)}"; with the image back the next up converged (Deployment rolled out)`;
  },

  /**
   * A wrong registry password, on an image the node has not pulled yet (a stack of its own): up
   * fails naming the refused pull; with the right password the next up converges (the kubelet's
   * next pull, after its back-off, succeeds) and the check verifies the new image.
   */
  async "fault-registry-password"(run) {
    const { cluster } = run;
    const stack = "image-auth";
    const ns = "ebpf-image-auth";
    const variant = cluster.pushVariant("password-fault");
    await initStack(run, stack, { namespace: ns, deployment: "workbench", rolloutTimeoutSeconds: "60" });
    await setConfig(run, stack, "image", variant);
    const setPassword = (value: string) => setConfig(run, stack, "registryPassword", value, true);
    await setPassword("not-the-registry-password");
    const failed = await up(run, [], stack);
    assert(failed.code !== 0, "pulumi up with a wrong registry password exited 0");
    const cause = lineOf(failed.output, /ErrImagePull|ImagePullBackOff/);
    assert(
      cause && /unauthorized|401/i.test(failed.output),
      `the failure does not name the refused pull (ErrImagePull/ImagePullBackOff, unauthorized):\n${failed.output.slice(-4000)}`,
    );
    await setPassword(cluster.registry.password);
    // The provider's default wait: the kubelet pulls again only after its back-off.
    await removeConfig(run, stack, "rolloutTimeoutSeconds");
    const again = await up(run, [], stack);
    assert(again.code === 0, `the next pulumi up did not converge (exit ${again.code}):\n${again.output.slice(-3000)}`);
    const v = (await outputs(run, stack)).verificationResult;
    const pod = (await deploymentPods(cluster.admin, ns)).find((p) => p.metadata.name === v?.pod);
    assert(
      v?.verified === true && pod?.status?.containerStatuses?.[0]?.imageID?.endsWith(variant.split("@")[1]),
      `after the right password: ${JSON.stringify(v)}, pulled ${pod?.status?.containerStatuses?.[0]?.imageID}`,
    );
    await destroyStack(run, stack);
    return `up with a wrong password exited ${failed.code}: "${cause.slice(0, 260)}"; with the right one the next up pulled ${variant.split("@")[1].slice(0, 19)}… and verified`;
  },

  /** The registry password and the kubeconfig tokens appear nowhere but in the pull Secret. */
  async secrets(run) {
    const { cluster, ws } = run;
    const canaries = [
      cluster.registry.password,
      /"token":\s*"([^"]+)"/.exec(cluster.adminKubeconfig)![1],
      /"token":\s*"([^"]+)"/.exec(cluster.verifierKubeconfig)![1],
    ];
    const exported = expectSuccess(
      await ws.pulumi(run.project, ["stack", "export", "--stack", STACK]),
      "stack export",
    ).stdout;
    const events = run.eventLogs
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f, "utf8"))
      .join("\n");
    const { rest, debug } = separateDebugEvents(events);
    const places: [string, string][] = [
      ["state (stack export)", exported],
      ["engine events", rest],
      ["CLI output", ws.transcript.join("\n")],
    ];
    // @pulumi/pulumi 3.248.0 debug-logs each RegisterResource response: a pull Secret's (its data) is
    // the one upstream leak allowed in debug events (as in test/e2e), and never a kubeconfig token.
    // The program's pull Secrets: EbpfWorkload's (every workload stack) and the sidecar stack's.
    const pullSecretRegistration =
      /^RegisterResource RPC finished: resource:(workbench|app)-registry-secret\[kubernetes:core\/v1:Secret\]/;
    for (const message of debug.filter((m) => findCanaries(m, canaries).length > 0)) {
      assert(
        pullSecretRegistration.test(message),
        `a debug event other than a pull Secret's registration holds a secret: ${message.slice(0, 120)}`,
      );
      assert(findCanaries(message, canaries.slice(1)).length === 0, "a kubeconfig token is in a debug event");
    }
    const kinds = ["configmaps", "events", "pods", "serviceaccounts"];
    for (const kind of kinds)
      places.push([
        `${kind} in ${NS}`,
        (await apiRequest(cluster.admin, "GET", `/api/v1/namespaces/${NS}/${kind}`)).text,
      ]);
    places.push([
      "Deployments",
      (await apiRequest(cluster.admin, "GET", `/apis/apps/v1/namespaces/${NS}/deployments`)).text,
    ]);
    const secretsList = await apiOk<{ items: any[] }>(cluster.admin, "GET", `/api/v1/namespaces/${NS}/secrets`);
    for (const s of secretsList.items)
      if (s.type !== "kubernetes.io/dockerconfigjson") places.push([`Secret ${s.metadata.name}`, JSON.stringify(s)]);
    const pullSecret = secretsList.items.find((s) => s.type === "kubernetes.io/dockerconfigjson");
    assert(pullSecret, `no pull Secret in ${NS}`);
    assert(
      findCanaries(JSON.stringify(pullSecret), [cluster.registry.password]).length > 0,
      "the pull Secret does not hold the registry password (the scan would be blind)",
    );
    const leaks = places.flatMap(([where, text]) =>
      findCanaries(text, canaries).map((h) => `${where} (${h.encoding}): ${h.context}`),
    );
    assert(leaks.length === 0, `secrets leaked: ${leaks.join("; ")}`);
    return `registry password and 2 kubeconfig tokens absent from ${places.map(([w]) => w).join(", ")}; present only in the pull Secret ${pullSecret.metadata.name}`;
  },

  /** destroy leaves nothing of the stack on the cluster. */
  async destroy(run) {
    const { cluster } = run;
    const r = await run.ws.pulumi(run.project, ["destroy", "--stack", STACK, "--yes", "--skip-preview"], {
      timeoutMs: 600_000,
    });
    assert(r.code === 0, `destroy exited ${r.code}:\n${r.output.slice(-3000)}`);
    const until = Date.now() + 180_000;
    let last = 0;
    while (Date.now() < until) {
      last = (await apiRequest(cluster.admin, "GET", `/api/v1/namespaces/${NS}`)).status;
      if (last === 404) break;
      await new Promise((res) => setTimeout(res, 2000));
    }
    assert(last === 404, `namespace ${NS} still there after destroy (HTTP ${last})`);
    const roles = await apiRequest(cluster.admin, "GET", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`);
    assert(((roles.body as any)?.items?.length ?? 0) === 0, "Roles left after destroy");
    return `namespace ${NS} and everything in it gone (GET → 404)`;
  },
};
