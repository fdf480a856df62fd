import * as yaml from "js-yaml";
import { fieldSegments, parseYamlStream } from "../../policy/yamlStream";

describe("fieldSegments", () => {
  test.each([
    [
      "spec.template.spec.containers[0].securityContext.capabilities.add[2]",
      ["spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 2],
    ],
    [
      'spec.template.metadata.annotations["acs-ebpf.io/kernel"]',
      ["spec", "template", "metadata", "annotations", "acs-ebpf.io/kernel"],
    ],
    ['spec.selector.matchLabels["a\\"b"]', ["spec", "selector", "matchLabels", 'a"b']],
    ["(policy setting kernel)", []],
  ])("%s", (field, segments) => {
    expect(fieldSegments(field)).toEqual(segments);
  });
});

describe("parseYamlStream", () => {
  const text = [
    "# leading comment", // 1
    "---", // 2
    "a: 1", // 3
    "---", // 4
    "kind: List", // 5
    "items:", // 6
    "  - metadata: {name: x, annotations: {\"k.io/v\": '1'}}", // 7
    "    spec:", // 8
    "      'quoted key':", // 9
    "        - zero", // 10
    "        - one", // 11
    "---", // 12
  ].join("\n");

  test("loads exactly what js-yaml's loadAll loads", () => {
    expect(parseYamlStream(text).documents).toEqual(yaml.loadAll(text));
  });

  test("locates block, flow and quoted keys, sequence items and List items", () => {
    const s = parseYamlStream(text);
    expect(s.locate(0, [], "a")).toEqual({ line: 3, column: 1 });
    expect(s.locate(1, ["items", 0], 'metadata.annotations["k.io/v"]')).toEqual({ line: 7, column: 40 }); // inside the quotes
    expect(s.locate(1, ["items", 0], 'spec["quoted key"][1]')).toEqual({ line: 11, column: 11 });
  });

  test("a missing field points at its nearest written ancestor; an empty document has no position", () => {
    const s = parseYamlStream(text);
    expect(s.locate(1, ["items", 0], "spec.securityContext.privileged")?.line).toBe(8);
    expect(s.locate(1, ["items", 7], "spec")?.line).toBe(6);
    expect(s.locate(2, [], "a")).toBeUndefined();
    expect(s.locate(9, [], "a")).toBeUndefined();
  });

  test("malformed YAML throws js-yaml's error with its position", () => {
    expect(() => parseYamlStream("a: [1\nb: 2\n")).toThrow(/\(\d+:\d+\)/);
  });
});
