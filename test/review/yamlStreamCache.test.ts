import fc from "fast-check";
import * as yaml from "js-yaml";
import { FieldSegments, parseYamlStream } from "../../policy/yamlStream";

// Positions are cached per document and path prefix: any order of lookups on one stream must give
// what a fresh stream gives for each lookup alone, present fields, missing ones and List items alike.
const key = fc.constantFrom("a", "b", "items", "spec", "c d");
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, 1, "x", ""),
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(key, tie("node"), { maxKeys: 4 }),
  ),
})).node;
const segment = fc.oneof(key, fc.nat(3));
const fieldOf = (segments: FieldSegments) =>
  segments
    .map((s, i) =>
      typeof s === "number"
        ? `[${s}]`
        : /^[A-Za-z_$][\w$-]*$/.test(s)
          ? i === 0
            ? s
            : `.${s}`
          : `[${JSON.stringify(s)}]`,
    )
    .join("");

test("cached positions equal a fresh lookup's, in any order", () => {
  fc.assert(
    fc.property(
      fc.array(value, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.array(
        fc.record({
          document: fc.nat(3),
          object: fc.boolean(),
          item: fc.nat(2),
          field: fc.array(segment, { maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      (docs, flow, lookups) => {
        const text = docs.map((d) => yaml.dump(d, { flowLevel: flow ? 1 : -1 })).join("---\n");
        const stream = parseYamlStream(text);
        for (const l of lookups) {
          const objectPath: FieldSegments = l.object ? ["items", l.item] : [];
          const field = fieldOf(l.field);
          expect(stream.locate(l.document, objectPath, field)).toEqual(
            parseYamlStream(text).locate(l.document, objectPath, field),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});
