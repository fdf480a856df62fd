/**
 * 4. The verification inside the engine: the engine's provider host runs the serialized dynamic
 *    provider (pulumi-resource-pulumi-nodejs), which runs the check against the local exec API
 *    server of testing/verification with the stand-in tracer.
 * 5. Secrets: canaries planted as the kubeconfig token and the registry password (and so in the
 *    pull Secret's data) appear nowhere in the state, the engine events, the logs or the outputs.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { startFakeCluster, FakeCluster, FakePod } from "../../testing/verification/fakeCluster";
import { preparePodEnvironment, PodEnvironment, STAND_IN_TRACER } from "../../testing/verification/podEnvironment";
import { selectorLabels } from "../../core/manifests";
import { resolveWorkload } from "../../core/workloadOptions";
import { dockerConfigJson } from "../../core/registry";
import { findCanaries, separateDebugEvents } from "../../testing/e2e/canaries";
import { REPO, Workspace, createWorkspace, expectSuccess } from "../../testing/e2e/workspace";
import { stackExport } from "../../testing/e2e/engineOutput";

const NS = "ebpf-e2e";
const DEPLOYMENT = "workbench";
const STACK = "e2e";
const REGISTRY = "registry-vpc.cn-hangzhou.aliyuncs.com";
const USERNAME = "e2e@acs-ebpf";
const canary = (what: string) => `acsEbpfCanary${what}${crypto.randomBytes(8).toString("hex")}`;
const TOKEN = canary("Token");
const PASSWORD = canary("Password");
const PULL_SECRET_DATA = dockerConfigJson(REGISTRY, USERNAME, PASSWORD);

let ws: Workspace;
let project: string;
let podEnv: PodEnvironment;
let cluster: FakeCluster;
const pod: FakePod = { name: "workbench-0", capabilities: ["BPF", "PERFMON"] };
const eventLogs: string[] = [];

const pulumi = (args: string[]) => ws.pulumi(project, args);
/** Tracer runs of the check (the exec that starts the tracer under `timeout`). */
const tracerRuns = () =>
  cluster.execs.filter((e) => e.command.includes(STAND_IN_TRACER) && e.command.some((a) => a.includes("exec timeout")))
    .length;

function setTracerMode(mode: string) {
  pod.env = podEnv.env(pod.name, {
    FAKE_TRACER_MODE: mode,
    FAKE_UNAME_R: "6.6.71-1.al8.x86_64",
    FAKE_UNAME_M: "x86_64",
  });
}

async function up(extra: string[] = []) {
  const eventLog = path.join(ws.root, `events-${eventLogs.length}.jsonl`);
  eventLogs.push(eventLog);
  // --event-log (the engine's event stream, as the Automation API reads it) needs PULUMI_DEBUG_COMMANDS.
  return ws.pulumi(project, ["up", "--stack", STACK, "--yes", "--skip-preview", "--event-log", eventLog, ...extra], {
    env: { PULUMI_DEBUG_COMMANDS: "true" },
  });
}

beforeAll(async () => {
  ws = createWorkspace();
  podEnv = preparePodEnvironment("native");
  setTracerMode("ok");
  const workload = resolveWorkload({ name: DEPLOYMENT, namespace: NS });
  cluster = await startFakeCluster({
    namespace: NS,
    deployment: DEPLOYMENT,
    matchLabels: selectorLabels(workload),
    pods: [pod],
    protocol: "v5.channel.k8s.io",
    token: TOKEN,
    lifetimeMs: 20 * 60_000,
  });
  const programDir = path.join(REPO, "test", "e2e", "programs", "verification");
  project = ws.project("verification", {
    projectFile: path.join(programDir, "Pulumi.yaml"),
    entry: path.join(programDir, "index.ts"),
  });
  expectSuccess(await pulumi(["stack", "init", STACK]), "stack init");
  const set = async (key: string, value: string, secret = false) =>
    expectSuccess(
      await pulumi(["config", "set", "--stack", STACK, ...(secret ? ["--secret"] : []), key, "--", value]),
      `config set ${key}`,
    );
  await set("renderDir", path.join(ws.root, "rendered"));
  await set("image", `${REGISTRY}/acs-ebpf/ebpf-workbench@sha256:${"a".repeat(64)}`);
  await set("namespace", NS);
  await set("deployment", DEPLOYMENT);
  await set("registryServer", REGISTRY);
  await set("registryUsername", USERNAME);
  await set("tracerPath", STAND_IN_TRACER);
  await set("registryPassword", PASSWORD, true);
  await set("kubeconfig", cluster.kubeconfig, true);
});

afterAll(async () => {
  await cluster?.close();
  podEnv?.cleanup();
  ws?.cleanup();
});

describe("4. TcpConnectVerification in the engine", () => {
  test("pulumi up: verified, with the matched event of the check's own connection", async () => {
    expect(cluster.kubeconfig).toContain(TOKEN);
    const r = expectSuccess(await up(["--json"]), "pulumi up");
    expect(r.code).toBe(0);
    expect(tracerRuns()).toBe(1);
    const outputs = JSON.parse(
      expectSuccess(await pulumi(["stack", "output", "--stack", STACK, "--json"]), "stack output").stdout,
    );
    const result = outputs.verificationResult;
    expect(result).toMatchObject({ verified: true, skipped: false, pod: "workbench-0", kernel: "6.6.71-1.al8.x86_64" });
    expect(result.effectiveCapabilities.sort()).toEqual(["BPF", "PERFMON"]);
    expect(result.excessCapabilities).toEqual([]);
    expect(result.matchedEvent).toMatchObject({ dstAddr: "127.0.0.1", srcAddr: "127.0.0.1" });
    expect(result.matchedEvent.dstPort).toBeGreaterThan(0);
  });

  test("a second up changes nothing and does not re-run the check", async () => {
    expectSuccess(await up(["--expect-no-changes"]), "second pulumi up");
    expect(tracerRuns()).toBe(1);
  });

  test("a changed timeout does not re-run the check", async () => {
    expectSuccess(await pulumi(["config", "set", "--stack", STACK, "eventTimeoutSeconds", "20"]), "config set");
    expectSuccess(await up(), "pulumi up (timeout changed)");
    expect(tracerRuns()).toBe(1);
  });

  test("a changed pod template re-runs the check", async () => {
    const before = stackExport(await pulumi(["stack", "export", "--stack", STACK])).find(
      (r) => r.type === "pulumi-nodejs:dynamic:Resource",
    )!;
    expectSuccess(await pulumi(["config", "set", "--stack", STACK, "cpu", "2"]), "config set");
    expectSuccess(await up(), "pulumi up (pod template changed)");
    expect(tracerRuns()).toBe(2);
    const after = stackExport(await pulumi(["stack", "export", "--stack", STACK])).find(
      (r) => r.type === "pulumi-nodejs:dynamic:Resource",
    )!;
    expect(after.outputs.checkedAt).not.toBe(before.outputs.checkedAt);
    expect(after.outputs.podTemplateHash).not.toBe(before.outputs.podTemplateHash);
  });

  test("a failing tracer fails pulumi up with the classified diagnosis", async () => {
    setTracerMode("seccomp");
    expectSuccess(await pulumi(["config", "set", "--stack", STACK, "cpu", "3"]), "config set");
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("tcp_connect fentry verification failed [operation-not-permitted]");
    expect(r.output).toMatch(/seccomp profile must allow bpf\(\)/);
    expect(r.output).toMatch(
      /Tracer stderr \(last lines\):\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d failed to set memlock rlimit: operation not permitted/,
    );
    expect(tracerRuns()).toBe(3);
  });
});

describe("5. secrets", () => {
  test("no canary in the state, the engine events, the CLI output and logs, or the outputs", async () => {
    const exported = expectSuccess(await pulumi(["stack", "export", "--stack", STACK]), "stack export").stdout;
    const outputs = expectSuccess(
      await pulumi(["stack", "output", "--stack", STACK, "--json", "--show-secrets"]),
      "stack output",
    ).stdout;
    const read = (files: string[]) =>
      files
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f, "utf8"))
        .join("\n");
    const sources: Record<string, string> = {
      "pulumi stack export": exported,
      "pulumi stack output --show-secrets": outputs,
      "state files": read(listFiles(path.join(ws.root, "state"))),
      "Pulumi logs (PULUMI_HOME)": read(listFiles(path.join(ws.root, "pulumi-home")).filter((f) => /log/.test(f))),
      "engine event logs (--event-log)": read(eventLogs),
      "CLI output, pulumi up --json events included": ws.transcript.join("\n"),
    };
    // The canaries really went through the engine: the secret config holds them encrypted, and
    // the engine streamed its events.
    expect(exported).toContain("ciphertext");
    expect(sources["engine event logs (--event-log)"]).toContain('"resourcePreEvent"');
    expect(sources["CLI output, pulumi up --json events included"]).toContain('"resourcePreEvent"');

    const canaries = [TOKEN, PASSWORD, PULL_SECRET_DATA];
    const leaks = Object.entries(sources).flatMap(([where, text]) =>
      findCanaries(separateDebugEvents(text).rest, canaries).map((h) => ({ where, ...h })),
    );
    expect(leaks).toEqual([]);

    // Debug diagnostics: @pulumi/pulumi 3.248.0 debug-logs each RegisterResource response, and the
    // pull Secret's response holds its data (base64 of the dockerconfigjson). That upstream leak is
    // the only one allowed: no kubeconfig token, and nothing from any other message or resource.
    const debug = Object.values(sources).flatMap((text) => separateDebugEvents(text).debug);
    const debugLeaks = debug.filter((m) => findCanaries(m, canaries).length > 0);
    for (const message of debugLeaks) {
      expect(message).toMatch(
        /^RegisterResource RPC finished: resource:workbench-registry-secret\[kubernetes:core\/v1:Secret\]/,
      );
      expect(findCanaries(message, [TOKEN])).toEqual([]);
    }
  });
});

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
