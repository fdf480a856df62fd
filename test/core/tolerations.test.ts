/**
 * The node placement's tolerations: the API server's ValidateTolerations rules, checked before
 * anything is registered, each error naming the toleration's field, the value and what is accepted.
 */
import {
  DEFAULT_TOLERATIONS,
  TAINT_EFFECTS,
  TOLERATION_OPERATORS,
  checkTolerations,
  podTolerations,
} from "../../core/tolerations";

const messages = (value: unknown, input?: string) => checkTolerations(value, input).map((e) => e.message);

describe("checkTolerations", () => {
  test("the default is none, and the accepted values are Kubernetes' own", () => {
    expect(DEFAULT_TOLERATIONS).toEqual([]);
    expect(TOLERATION_OPERATORS).toEqual(["Exists", "Equal"]);
    expect(TAINT_EFFECTS).toEqual(["NoSchedule", "PreferNoSchedule", "NoExecute", ""]);
  });

  test.each<[string, unknown]>([
    ["an empty list", []],
    ["every taint (cilium, tetragon)", [{ operator: "Exists" }]],
    [
      "control plane NoSchedule (falco's default)",
      [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
    ],
    ["Equal by default, with a value", [{ key: "dedicated", value: "tracing", effect: "NoSchedule" }]],
    ["Equal with an empty value", [{ key: "dedicated", operator: "Equal", effect: "PreferNoSchedule" }]],
    [
      "NoExecute with seconds",
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    ],
    ["every effect, spelled empty", [{ key: "dedicated", operator: "Exists", effect: "" }]],
    ["zero seconds (evict at once)", [{ key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }]],
  ])("accepts %s", (_what, value) => {
    expect(messages(value)).toEqual([]);
  });

  test.each<[string, unknown, string[]]>([
    [
      "not a list",
      { operator: "Exists" },
      [
        'tolerations: {"operator":"Exists"} is not accepted; expected a list of tolerations, e.g. [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }], or [{ operator: "Exists" }] for every node',
      ],
    ],
    [
      "not a mapping",
      ["dedicated"],
      [
        expect.stringMatching(
          /^tolerations\[0\]: "dedicated" is not accepted; expected a toleration \{ key, operator, value, effect, tolerationSeconds \}/,
        ),
      ],
    ],
    [
      "an unknown operator",
      [{ key: "a", operator: "Exist" }],
      ['tolerations[0].operator: "Exist" is not accepted; expected one of: Exists, Equal'],
    ],
    [
      "an unknown effect",
      [{ key: "a", operator: "Exists", effect: "NoScheduled" }],
      [
        'tolerations[0].effect: "NoScheduled" is not accepted; expected one of: NoSchedule, PreferNoSchedule, NoExecute, "" (every effect)',
      ],
    ],
    [
      "a value with Exists",
      [{ key: "a", operator: "Exists", value: "b" }],
      [
        'tolerations[0].value: "b" is not accepted (Exists matches any value of the key); expected unset with operator Exists',
      ],
    ],
    [
      "seconds without NoExecute",
      [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 60 }],
      [
        expect.stringMatching(
          /^tolerations\[0\]\.tolerationSeconds: 60 is not accepted \(only NoExecute taints evict running pods.*\); expected unset unless effect is NoExecute$/,
        ),
      ],
    ],
    [
      "seconds and no effect",
      [{ key: "a", operator: "Exists", tolerationSeconds: 60 }],
      [expect.stringMatching(/^tolerations\[0\]\.tolerationSeconds: 60 .*expected unset unless effect is NoExecute$/)],
    ],
    [
      "negative seconds",
      [{ key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: -1 }],
      ["tolerations[0].tolerationSeconds: -1 is not accepted; expected a whole number of seconds, 0 or more"],
    ],
    [
      "seconds as a string",
      [{ key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: "60" }],
      ['tolerations[0].tolerationSeconds: "60" is not accepted; expected a whole number of seconds, 0 or more'],
    ],
    [
      "no key with Equal",
      [{ operator: "Equal", value: "x" }],
      [
        expect.stringMatching(
          /^tolerations\[0\]\.operator: "Equal" is not accepted; expected a taint key, or operator Exists without a key/,
        ),
      ],
    ],
    [
      "no key and no operator",
      [{}],
      [
        expect.stringMatching(
          /^tolerations\[0\]\.key: \(not set\) is not accepted; expected a taint key, or operator Exists/,
        ),
      ],
    ],
    [
      "a key that is no label key",
      [{ key: "x; rm -rf /", operator: "Exists" }],
      [expect.stringMatching(/^tolerations\[0\]\.key: "x; rm -rf \/" is not accepted; expected a label key/)],
    ],
    [
      "a key of the wrong type",
      [{ key: 42, operator: "Exists" }],
      [expect.stringMatching(/^tolerations\[0\]\.key: 42 is not accepted; expected a label key/)],
    ],
    [
      "a value that is no label value",
      [{ key: "a", value: "$(id)" }],
      [expect.stringMatching(/^tolerations\[0\]\.value: "\$\(id\)" is not accepted; expected a label value/)],
    ],
    [
      "an unknown field",
      [{ key: "a", operator: "Exists", effects: "NoSchedule" }],
      [
        expect.stringMatching(
          /^tolerations\[0\]\.effects: "NoSchedule" is not accepted \(unknown toleration field\); expected only the fields key, operator, value, effect, tolerationSeconds$/,
        ),
      ],
    ],
  ])("refuses %s", (_what, value, expected) => {
    expect(messages(value)).toEqual(expected);
  });

  test("every bad toleration is reported at once, named by its position and the caller's input name", () => {
    const inputs = checkTolerations(
      [{ operator: "Exists" }, { key: "a", operator: "Never" }, { key: "b", operator: "Exists", effect: "Sometimes" }],
      "acs-ebpf:tolerations",
    ).map((e) => e.input);
    expect(inputs).toEqual(["acs-ebpf:tolerations[1].operator", "acs-ebpf:tolerations[2].effect"]);
  });
});

describe("podTolerations", () => {
  test("spells the operator out (unset means Equal) and leaves empty fields out", () => {
    expect(
      podTolerations([
        { key: "dedicated", value: "tracing" },
        { operator: "Exists", effect: "" },
        { key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 },
      ]),
    ).toEqual([
      { key: "dedicated", operator: "Equal", value: "tracing" },
      { operator: "Exists" },
      { key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 },
    ]);
  });
});
