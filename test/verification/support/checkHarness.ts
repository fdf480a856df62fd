/**
 * What the end-to-end check tests share: one fake node, the check driver (the real client in a
 * child process), one fake cluster per test, and the check's options. e2e.test.ts runs it on the
 * portable node (any user); checkConfined.integration.ts on the native node (root, cc, setpriv).
 */
import { startFakeCluster, FakeCluster, FakeClusterOptions, FakePod } from "../../../testing/verification/fakeCluster";
import {
  preparePodEnvironment,
  FakeNode,
  PodEnvironment,
  STAND_IN_TRACER,
} from "../../../testing/verification/podEnvironment";
import { startDriver, Driver } from "../../../testing/verification/driverClient";
import type { CheckOptions } from "../../../verification/checkOptions";

export const NS = "ebpf";
export const DEPLOYMENT = "acs-ebpf-workbench";
const LABELS = { app: "acs-ebpf-workbench" };

export interface CheckHarness {
  env(): PodEnvironment;
  driver(): Driver;
  pod(name: string, overrides?: Partial<FakePod>, mode?: string, extraEnv?: Record<string, string>): FakePod;
  cluster(pods: FakePod[], extra?: Partial<FakeClusterOptions>): Promise<FakeCluster>;
  options(extra?: Partial<CheckOptions>): CheckOptions;
}

/** Registers the jest hooks that start and stop the node, the driver and each test's cluster. */
export function useCheckHarness(node: FakeNode): CheckHarness {
  let env: PodEnvironment;
  let driver: Driver;
  let current: FakeCluster | undefined;
  beforeAll(() => {
    env = preparePodEnvironment(node);
    driver = startDriver();
  });
  afterAll(async () => {
    await driver.stop();
    env.cleanup();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    env: () => env,
    driver: () => driver,
    pod(name, overrides = {}, mode = "ok", extraEnv = {}) {
      return {
        name,
        env: env.env(name, {
          FAKE_TRACER_MODE: mode,
          FAKE_UNAME_R: "6.6.71-1.al8.x86_64",
          FAKE_UNAME_M: "x86_64",
          ...extraEnv,
        }),
        ...overrides,
      };
    },
    async cluster(pods, extra = {}) {
      current = await startFakeCluster({
        namespace: NS,
        deployment: DEPLOYMENT,
        matchLabels: LABELS,
        pods,
        protocol: "v5.channel.k8s.io",
        lifetimeMs: 20_000,
        ...extra,
      });
      return current;
    },
    options(extra = {}) {
      return {
        namespace: NS,
        deployment: DEPLOYMENT,
        tracerPath: STAND_IN_TRACER,
        btfPath: env.btfPath,
        // Generous where only a failure waits them out (a loaded CI machine runs the stand-in tracer
        // slowly); the tests of the timeouts themselves set short ones.
        readyTimeoutMs: 10_000,
        pollIntervalMs: 100,
        attachTimeoutMs: 15_000,
        eventTimeoutMs: 15_000,
        stopGraceMs: 1_000,
        commandTimeoutMs: 15_000,
        ...extra,
      };
    },
  };
}

/** The tracer exec of the check (the one running `timeout`). */
export function tracerExecs(c: FakeCluster) {
  return c.execs.filter(
    (e) => e.command.includes(STAND_IN_TRACER) && e.command.some((a) => a.includes("exec timeout")),
  );
}

/**
 * What every verified run shows beyond its event: the first sample is the matched event, the tracer
 * was stopped and ended with its shutdown line, the timings are ordered, and every exec used the
 * negotiated protocol.
 */
export function expectCleanTraceRun(
  result: Awaited<ReturnType<Driver["check"]>>,
  c: FakeCluster,
  protocol: FakeClusterOptions["protocol"],
): void {
  expect(result.sampleEvents[0]).toEqual(result.matchedEvent);
  expect(result.tracerStop).toBe("stopped");
  expect(result.timings.attachMs).not.toBeNull();
  expect(result.timings.eventMs).not.toBeNull();
  expect(result.timings.readyToAttachedMs).toBeGreaterThanOrEqual(result.timings.attachMs!);
  expect(result.timings.attachedToEventMs).toBeGreaterThanOrEqual(0);
  // Every exec used the negotiated protocol, and the tracer really ended with the shutdown line.
  expect(new Set(c.execs.map((e) => e.protocol))).toEqual(new Set([protocol]));
  const [tracer] = tracerExecs(c);
  expect(tracer.stderr).toContain("received signal, exiting..");
  expect(tracer.exitCode).toBe(0);
}
