/**
 * The in-image self-test on the native node (npm run test:integration: root, a C compiler, util-linux
 * setpriv): the connect tap (connect-tap.c, preloaded) sees the script's own inline connect, so the
 * success and no-event paths run; and "no capabilities" is a real empty bounding set (setpriv).
 * The stand-in tracer's capability outcomes copy the model's rules: plumbing, not the model.
 */
import { useSelftest } from "./support/selftestRunner";

const selftest = useSelftest("native");

describe("ebpf-selftest with the stand-in tracer (native node)", () => {
  test("success: the trace reports the script's own loopback connect; exit 0", () => {
    const r = selftest("ok");
    expect(r.code).toBe(0);
    expect(r.firstLine).toMatch(
      /^acs-ebpf-selftest: OK tcp_connect traced: .* 127\.0\.0\.1 +\d+ +-> 127\.0\.0\.1 +\d+/,
    );
  });

  test("no event: attached, but the connection is never reported; exit 1, classified", () => {
    const r = selftest("no-event", { FAKE_TRACER_MODE: "no-event", EBPF_SELFTEST_EVENT_SECONDS: "2" });
    expect(r.code).toBe(1);
    expect(r.firstLine).toMatch(
      /^acs-ebpf-selftest: FAILED \[no-matching-event\] the tracer attached but reported no tcp_connect event for 127\.0\.0\.1:\d+ within 2s/,
    );
    expect(r.stdout).toMatch(/What to do: The trace is IPv4 only/);
  });

  test("no capabilities (setpriv: drop ALL, add nothing): exit 1, operation-not-permitted", () => {
    const r = selftest("no-caps", {}, ["setpriv", "--inh-caps", "-all", "--bounding-set", "-all", "--"]);
    expect(r.code).toBe(1);
    expect(r.firstLine).toContain("acs-ebpf-selftest: FAILED [operation-not-permitted]");
    expect(r.stdout).toMatch(/failed to set memlock rlimit: operation not permitted/);
    expect(r.stdout).toMatch(/^What to do: /m);
  });
});
