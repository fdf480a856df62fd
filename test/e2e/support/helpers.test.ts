/** The pure helpers of the real-engine suite (the suite itself runs with `npm run e2e`). */
import { compareObjects, differingPaths, objectsFromYaml } from "./yamlObjects";
import { findCanaries, separateDebugEvents } from "../../../testing/e2e/canaries";

describe("object-for-object YAML comparison", () => {
  const deployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wb\n  namespace: ns\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: c\n          securityContext:\n            capabilities:\n              add: [BPF, PERFMON]\n";
  const namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n";

  test("the same objects in other files, other order and other formatting are equal", () => {
    const expected = objectsFromYaml([{ name: "all.yaml", text: `${namespace}---\n${deployment}` }]);
    const actual = objectsFromYaml([
      {
        name: "1-manifest/deployment.yaml",
        text: deployment.replace("add: [BPF, PERFMON]", "add:\n                - BPF\n                - PERFMON"),
      },
      { name: "1-manifest/namespace.yaml", text: `---\n${namespace}` },
    ]);
    expect(compareObjects(expected, actual)).toEqual({ missing: [], extra: [], different: [] });
  });

  test("names the missing and extra objects and every differing path", () => {
    const expected = objectsFromYaml([{ name: "a", text: `${namespace}---\n${deployment}` }]);
    const actual = objectsFromYaml([
      {
        name: "b",
        text: deployment
          .replace("replicas: 1", "replicas: 2")
          .replace("add: [BPF, PERFMON]", "add: [BPF, PERFMON, SYS_ADMIN]"),
      },
      { name: "c", text: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ns\n" },
    ]);
    expect(compareObjects(expected, actual)).toEqual({
      missing: ["v1/Namespace//ns"],
      extra: ["v1/Secret/ns/s"],
      different: [
        {
          key: "apps/v1/Deployment/ns/wb",
          paths: ["spec.replicas", "spec.template.spec.containers[0].securityContext.capabilities.add[2]"],
        },
      ],
    });
  });

  test("an object twice, or a document that is not an object, is an error naming the file", () => {
    expect(() => objectsFromYaml([{ name: "x.yaml", text: `${namespace}---\n${namespace}` }])).toThrow(
      "x.yaml: v1/Namespace//ns appears twice",
    );
    expect(() => objectsFromYaml([{ name: "y.yaml", text: "- a\n- b\n" }])).toThrow(
      /y\.yaml: a YAML document is not a Kubernetes object/,
    );
  });

  test("differingPaths: a key present on one side only, and null vs missing, differ", () => {
    expect(differingPaths({ a: 1, b: { c: null } }, { a: 1, b: {} })).toEqual(["b.c"]);
    expect(differingPaths([1, 2], [1])).toEqual(["[1]"]);
    expect(differingPaths("x", "x")).toEqual([]);
  });
});

describe("canary scan", () => {
  const token = "canaryTokenQ7x2M9";
  const password = "canaryPassK3v8W1";
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  test("finds a canary as is, with context and the canary masked", () => {
    const [hit] = findCanaries(`{"token":"${token}"}`, [token, password]);
    expect(hit).toMatchObject({ canary: token, encoding: "plain" });
    expect(hit.context).toBe('{"token":"<canary>"}');
  });

  test("finds a password inside a dockerconfigjson inside Kubernetes data (base64 twice)", () => {
    const dockerconfig = JSON.stringify({
      auths: { "registry.cn-hangzhou.aliyuncs.com": { username: "u", password, auth: b64(`u:${password}`) } },
    });
    const inData = `data:\n  .dockerconfigjson: ${b64(dockerconfig)}\n`;
    expect(findCanaries(inData, [token, password]).map((h) => [h.canary, h.encoding])).toEqual([[password, "base64"]]);
    const authOnly = JSON.stringify({ auths: { r: { auth: b64(`u:${password}`) } } });
    expect(findCanaries(`x ${b64(authOnly)} y`, [password]).map((h) => h.encoding)).toEqual(["base64>base64"]);
  });

  test("finds base64 that starts mid-token (any alignment)", () => {
    expect(findCanaries(`abc${b64(`Bearer ${token} end`)}`, [token]).map((h) => h.canary)).toEqual([token]);
  });

  test("nothing planted, nothing found: ciphertext and other base64 are not hits", () => {
    const secret = `{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"v1:1Y3d8ZLxqp3l2uw=:v1:Qm9ndXMgZGF0YSB0aGF0IGlzIG5vdCB0aGUgY2FuYXJ5"}`;
    expect(findCanaries(secret, [token, password])).toEqual([]);
  });
});

describe("engine event streams", () => {
  test("debug diagnostics are set apart; every other line, JSON or not, is kept", () => {
    const stream = [
      JSON.stringify({
        sequence: 1,
        diagnosticEvent: { severity: "debug", message: "RegisterResource RPC finished: x" },
      }),
      JSON.stringify({ sequence: 2, diagnosticEvent: { severity: "warning", message: "w" } }),
      "plain text { not json",
      JSON.stringify({ sequence: 3, resourcePreEvent: { metadata: { op: "create" } } }),
    ].join("\n");
    const { rest, debug } = separateDebugEvents(stream);
    expect(debug).toEqual(["RegisterResource RPC finished: x"]);
    expect(rest.split("\n")).toHaveLength(3);
    expect(rest).toContain('"severity":"warning"');
    expect(rest).toContain("plain text { not json");
  });
});
