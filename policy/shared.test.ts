import fc from "fast-check";
import { fieldPath, shared, sharedText } from "./shared";

describe("shared strings", () => {
  test("shared(s) equals s, and equal strings come back as the first copy", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(shared(s)).toBe(s);
        expect(shared(s.split("").join(""))).toBe(shared(s));
      }),
    );
  });

  test("a sharedText builder returns what building the message returns, for any arguments (NULs included), past its bound too", () => {
    const build = (a: string, b: string, c: string) => `${a}|${b}|${c}:${a.length},${b.length},${c.length}`;
    const text = sharedText(build);
    const arg = fc.string({ unit: fc.constantFrom("a", "b", "\u0000", "|", ",", ":"), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(arg, arg, arg), { maxLength: 50 }), (calls) => {
        for (const [a, b, c] of calls) expect(text(a, b, c)).toBe(build(a, b, c));
      }),
      { numRuns: 500 },
    );
    // Past the bound the cache starts over: answers stay right.
    for (let i = 0; i < 25_000; i++)
      expect(text(String(i % 12_000), "x", "y")).toBe(build(String(i % 12_000), "x", "y"));
  });
});

describe("fieldPath", () => {
  test("builds the path the rules used to write by hand: keys after dots, indexes in brackets", () => {
    const key = fc.constantFrom(
      "spec",
      "containers",
      "securityContext",
      "capabilities",
      "add",
      "volumes",
      "hostPath",
      "path",
    );
    const part = fc.oneof(key, fc.nat({ max: 12 }));
    fc.assert(
      fc.property(
        fc.constantFrom("", "spec", "spec.template.spec"),
        fc.array(part, { maxLength: 6 }),
        (base, parts) => {
          let expected: string = base;
          for (const p of parts)
            expected = typeof p === "number" ? `${expected}[${p}]` : expected === "" ? p : `${expected}.${p}`;
          expect(fieldPath(base, ...parts)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
    expect(fieldPath("spec.template.spec", "containers", 0, "securityContext", "capabilities", "add", 3)).toBe(
      "spec.template.spec.containers[0].securityContext.capabilities.add[3]",
    );
  });
});
