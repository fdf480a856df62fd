/* eslint-disable @typescript-eslint/no-explicit-any -- the tests navigate deep Kubernetes objects (pod specs with probe containers added) */
/**
 * The sidecar placement as pure functions: the probe joins an application's pod without touching
 * the application's containers; native sidecar or __IS_SIDECAR__ by Kubernetes version; the ACS
 * pod size recomputed; the reviewer accepts the result and still flags the application's own grants.
 */
import { podRequests } from "../../core/acs";
import { InputErrors } from "../../core/errors";
import { SELFTEST_STARTUP_PROBE } from "../../core/probeContainer";
import {
  SIDECAR_OPT_IN_LABEL,
  addEbpfSidecar,
  ebpfSidecarWorkload,
  planEbpfSidecar,
  SidecarOptions,
} from "../../core/sidecar";
import { ANNOTATIONS, TRACER_BINARY_PATH } from "../../core/workload";
import { reviewDocuments } from "../../policy/review";

const PROBE_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:${"d".repeat(64)}`;
const APP_IMAGE = `registry-vpc.cn-hangzhou.aliyuncs.com/shop/web@sha256:${"a".repeat(64)}`;
const options: SidecarOptions = { image: PROBE_IMAGE, kubernetesVersion: "1.30", kernel: "6.6.71" };

type Spec = Record<string, any>;

function appSpec(extra: Spec = {}): Spec {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    initContainers: [
      {
        name: "migrate",
        image: APP_IMAGE,
        command: ["/migrate"],
        resources: { requests: { cpu: "500m", memory: "1Gi" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      },
    ],
    containers: [
      {
        name: "web",
        image: APP_IMAGE,
        resources: { requests: { cpu: "1", memory: "2Gi" } },
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
        },
      },
    ],
    ...extra,
  };
}

function app(
  kind = "Deployment",
  labels: Record<string, string> = { [SIDECAR_OPT_IN_LABEL]: "enabled" },
): Record<string, any> {
  const template = { metadata: { labels: { app: "shop" } }, spec: appSpec() };
  const spec =
    kind === "CronJob"
      ? { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } }
      : { selector: { matchLabels: { app: "shop" } }, template };
  return {
    apiVersion: kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1",
    kind,
    metadata: { name: "shop", namespace: "shop", labels },
    spec,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const probeOf = (spec: Spec) =>
  [...(spec.initContainers ?? []), ...spec.containers].find((c: Spec) => c.name === "ebpf-probe");

describe("addEbpfSidecar", () => {
  test("returns a new pod spec; the input is not mutated and the application's containers are kept byte for byte", () => {
    const input = deepFreeze(appSpec());
    const before = JSON.stringify(input);
    const out = addEbpfSidecar(input, options);
    expect(JSON.stringify(input)).toBe(before);
    expect(out).not.toBe(input);
    expect(JSON.stringify(out.containers)).toBe(JSON.stringify(input.containers));
    expect(JSON.stringify(out.initContainers.slice(1))).toBe(JSON.stringify(input.initContainers));
    expect(JSON.stringify(out.securityContext)).toBe(JSON.stringify(input.securityContext));
  });

  test.each<[string, "native" | "acs-env"]>([
    ["1.28", "acs-env"],
    ["v1.28.15", "acs-env"],
    ["1.28.3-aliyun.1", "acs-env"],
    ["1.29", "native"],
    ["v1.31.2", "native"],
    ["2.0", "native"],
  ])("Kubernetes %s: %s sidecar", (kubernetesVersion, style) => {
    const { podSpec, report } = planEbpfSidecar(appSpec(), { ...options, kubernetesVersion });
    expect(report.style).toBe(style);
    const probe = probeOf(podSpec);
    if (style === "native") {
      expect(podSpec.initContainers[0]).toBe(probe);
      expect(probe.restartPolicy).toBe("Always");
      expect(probe.env).toBeUndefined();
      expect(podSpec.containers.map((c: Spec) => c.name)).toEqual(["web"]);
    } else {
      expect(podSpec.containers.map((c: Spec) => c.name)).toEqual(["web", "ebpf-probe"]);
      expect(probe.restartPolicy).toBeUndefined();
      expect(probe.env).toEqual([{ name: "__IS_SIDECAR__", value: "true" }]);
      expect(report.warnings.join(" ")).toMatch(/no native sidecars \(1\.29\+\).*__IS_SIDECAR__=true/);
    }
  });

  test("the probe's capabilities go on the probe container only, least privilege for the kernel", () => {
    const spec = addEbpfSidecar(appSpec(), options);
    const probe = probeOf(spec);
    expect(probe.securityContext).toMatchObject({
      capabilities: { drop: ["ALL"], add: ["BPF", "PERFMON"] },
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      privileged: false,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const others = [...spec.initContainers, ...spec.containers].filter((c: Spec) => c !== probe);
    for (const c of others) expect(JSON.stringify(c.securityContext)).not.toMatch(/BPF|PERFMON/);
    expect(
      addEbpfSidecar(appSpec(), { ...options, kernel: "5.10.134-16.3.al8.x86_64" }).initContainers[0].securityContext
        .capabilities.add,
    ).toEqual(["BPF", "PERFMON", "SYS_RESOURCE"]);
  });

  test.each([
    [
      "monitor (default): the trace is the process, events on stdout",
      undefined,
      ["/bin/sh", "-c", `exec ${TRACER_BINARY_PATH} 2>&1`],
    ],
    [
      "workbench: stays up for kubectl exec",
      "workbench" as const,
      ["/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"],
    ],
  ])("mode %s", (_name, mode, command) => {
    expect(probeOf(addEbpfSidecar(appSpec(), { ...options, mode })).command).toEqual(command);
  });

  test("selfTest (default on) is the probe's startupProbe; off removes it", () => {
    expect(probeOf(addEbpfSidecar(appSpec(), options)).startupProbe).toEqual(SELFTEST_STARTUP_PROBE);
    expect(probeOf(addEbpfSidecar(appSpec(), { ...options, selfTest: false })).startupProbe).toBeUndefined();
  });

  test("tracefs probe kinds bring their read-only volume, named apart from the application's", () => {
    const spec = addEbpfSidecar(appSpec({ volumes: [{ name: "data", emptyDir: {} }] }), {
      ...options,
      probeKinds: ["tracepoint"],
    });
    expect(spec.volumes).toEqual([
      { name: "data", emptyDir: {} },
      { name: "ebpf-probe-host-0", hostPath: { path: "/sys/kernel/tracing", type: "Directory" } },
    ]);
    expect(probeOf(spec).volumeMounts).toEqual([
      { name: "ebpf-probe-host-0", mountPath: "/sys/kernel/tracing", readOnly: true },
    ]);
  });

  test.each<[string, Spec, Partial<SidecarOptions>, RegExp]>([
    [
      "no Kubernetes version",
      appSpec(),
      { kubernetesVersion: undefined as unknown as string },
      /kubernetesVersion: \(not set\) is not accepted; expected a Kubernetes version such as "1\.30"/,
    ],
    ["a malformed version", appSpec(), { kubernetesVersion: "latest" }, /kubernetesVersion: "latest" is not accepted/],
    [
      "a bad mode",
      appSpec(),
      { mode: "shell" as never },
      /mode: "shell" is not accepted; expected one of: workbench, monitor/,
    ],
    ["an unsupported kernel", appSpec(), { kernel: "4.19.91" }, /kernel: "4\.19\.91" is not accepted/],
    [
      "a name already taken",
      appSpec({ containers: [{ name: "ebpf-probe", image: APP_IMAGE }] }),
      {},
      /containerName: "ebpf-probe" is not accepted \(the pod already has a container ebpf-probe/,
    ],
    [
      "a user-namespaced pod",
      appSpec({ hostUsers: false }),
      {},
      /podSpec\.hostUsers: false is not accepted \(capabilities in a pod user namespace do not count for bpf\(\)/,
    ],
  ])("refuses %s with the input, the value and what is accepted", (_name, spec, bad, message) => {
    expect(() => addEbpfSidecar(spec, { ...options, ...bad })).toThrow(InputErrors);
    expect(() => addEbpfSidecar(spec, { ...options, ...bad })).toThrow(message);
  });
});

describe("the ACS pod size, recomputed with the probe", () => {
  test.each<[string, Spec, string, string]>([
    [
      "app 1 vCPU / 2Gi + native probe 250m / 256Mi",
      appSpec(),
      "1.30",
      "ACS pod size 1 vCPU / 2 GiB → 1.5 vCPU / 3 GiB (+0.5 vCPU, +1 GiB)",
    ],
    [
      "the same as a regular container (1.28)",
      appSpec(),
      "1.28",
      "ACS pod size 1 vCPU / 2 GiB → 1.5 vCPU / 3 GiB (+0.5 vCPU, +1 GiB)",
    ],
    [
      "limits only count as requests",
      appSpec({
        initContainers: [],
        containers: [{ name: "web", image: APP_IMAGE, resources: { limits: { cpu: "2", memory: "4Gi" } } }],
      }),
      "1.30",
      "ACS pod size 2 vCPU / 4 GiB → 2.5 vCPU / 5 GiB (+0.5 vCPU, +1 GiB)",
    ],
    [
      "a large init container sets the peak",
      appSpec({
        initContainers: [{ name: "warm", image: APP_IMAGE, resources: { requests: { cpu: "4", memory: "8Gi" } } }],
      }),
      "1.28",
      "ACS pod size 4 vCPU / 8 GiB → 4 vCPU / 8 GiB (+0 vCPU, +0 GiB)",
    ],
    [
      "a native probe runs beside later init containers",
      appSpec({
        initContainers: [{ name: "warm", image: APP_IMAGE, resources: { requests: { cpu: "4", memory: "8Gi" } } }],
      }),
      "1.30",
      "ACS pod size 4 vCPU / 8 GiB → 4.5 vCPU / 9 GiB (+0.5 vCPU, +1 GiB)",
    ],
    [
      "no requests: ACS's default size before",
      appSpec({ initContainers: [], containers: [{ name: "web", image: APP_IMAGE }] }),
      "1.30",
      "ACS pod size 2 vCPU / 4 GiB → 0.25 vCPU / 1 GiB (-1.75 vCPU, -3 GiB)",
    ],
  ])("%s", (_name, spec, kubernetesVersion, billing) => {
    const { report } = planEbpfSidecar(spec, { ...options, kubernetesVersion });
    expect(report.billingChange).toBe(billing);
  });

  test("no requests on the application: says so", () => {
    const { report } = planEbpfSidecar({ containers: [{ name: "web", image: APP_IMAGE }] }, options);
    expect(report.warnings.join(" ")).toMatch(/set no requests: ACS bills such a pod 2 vCPU \/ 4 GiB by default/);
  });

  test("podRequests follows Kubernetes' rule for sidecars and init containers", () => {
    const r = podRequests({
      initContainers: [
        { name: "s", restartPolicy: "Always", resources: { requests: { cpu: "250m" } } },
        { name: "i", resources: { requests: { cpu: "3" } } },
      ],
      containers: [
        { name: "a", resources: { requests: { cpu: "1" } } },
        { name: "b", resources: { requests: { cpu: "500m", memory: "1Gi" } } },
      ],
    });
    expect(r).toEqual({ cpu: 3.25, memoryBytes: 1024 ** 3, anySet: true, unreadable: [] });
  });
});

describe("ebpfSidecarWorkload: opted-in workloads of every kind", () => {
  test.each(["Deployment", "StatefulSet", "Job", "CronJob"])(
    "%s with the opt-in label gets the probe and the policy annotations",
    (kind) => {
      const result = ebpfSidecarWorkload(app(kind), options)!;
      const template = kind === "CronJob" ? result.object.spec.jobTemplate.spec.template : result.object.spec.template;
      expect(probeOf(template.spec)).toBeDefined();
      expect(template.metadata.annotations).toMatchObject({
        [ANNOTATIONS.probeContainers]: "ebpf-probe",
        [ANNOTATIONS.kernel]: "6.6.71",
        [ANNOTATIONS.probeKinds]: "fentry",
      });
      expect(template.metadata.labels).toEqual({ app: "shop" });
    },
  );

  test.each<[string, Record<string, any>]>([
    ["no label", app("Deployment", {})],
    ["another value", app("Deployment", { [SIDECAR_OPT_IN_LABEL]: "true" })],
    ["a DaemonSet (not a sidecar kind)", { ...app("Deployment"), kind: "DaemonSet" }],
    [
      "a Service",
      { apiVersion: "v1", kind: "Service", metadata: { name: "s", labels: { [SIDECAR_OPT_IN_LABEL]: "enabled" } } },
    ],
  ])("leaves alone: %s", (_name, obj) => {
    expect(ebpfSidecarWorkload(obj, options)).toBeUndefined();
  });

  test("refuses a workload whose containers are not known, instead of replacing them", () => {
    const obj = app();
    delete obj.spec.template.spec;
    expect(() => ebpfSidecarWorkload(obj, options)).toThrow(
      /Deployment\.spec\.template\.spec\.containers: \(not set\) is not accepted/,
    );
  });

  test("reports what the application's namespace now needs", () => {
    const { report } = ebpfSidecarWorkload(app(), options)!;
    expect(report.podSecurityLevel).toBe("privileged");
    expect(report.namespaceNeeds[0]).toMatch(
      /^Namespace shop must enforce Pod Security privileged \(label pod-security.kubernetes.io\/enforce=privileged/,
    );
    expect(report.namespaceNeeds[1]).toMatch(/ACS privileged mode must be enabled/);
  });
});

describe("the reviewer and the sidecar", () => {
  test.each(["1.28", "1.30"])("accepts the application with the probe added (Kubernetes %s)", (kubernetesVersion) => {
    const { object } = ebpfSidecarWorkload(app(), { ...options, kubernetesVersion })!;
    const review = reviewDocuments([object]);
    expect(review.reviewed).toBe(1);
    expect(review.violations).toEqual([]);
  });

  test.each<[string, (spec: Spec) => void, string, string]>([
    [
      "SYS_PTRACE on the application container",
      (s) => s.containers[0].securityContext.capabilities.add.push("SYS_PTRACE"),
      "capabilities",
      "web",
    ],
    [
      "BPF on the application container (not a declared probe)",
      (s) => s.containers[0].securityContext.capabilities.add.push("BPF"),
      "capabilities",
      "web",
    ],
    [
      "SYS_ADMIN on the application's init container",
      (s) => (s.initContainers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
      "capabilities",
      "migrate",
    ],
  ])("still flags a capability that reaches an application container: %s", (_name, edit, rule, container) => {
    const obj = app();
    edit(obj.spec.template.spec);
    const { object } = ebpfSidecarWorkload(obj, options)!;
    const violations = reviewDocuments([object]).violations;
    expect(violations.map((v) => [v.rule, v.container])).toEqual([[rule, container]]);
  });
});
