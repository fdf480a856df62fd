// The confine helper (Go, runs in the guest without Node) keeps its own copy of the kernel's
// capability numbering; this keeps that copy equal to the model's CAPABILITY_BITS, so a
// capability added to one cannot be confined under another number.
import * as fs from "node:fs";
import * as path from "node:path";
import { CAPABILITY_BITS } from "../../core/capabilities";

const CONFINE_MAIN = path.join(__dirname, "../../kernels/go/cmd/confine/main.go");

function goCapabilityBits(source: string): string[] {
  const table = /var capabilityBits = \[\]string\{([^}]*)\}/.exec(source);
  if (!table) throw new Error(`${CONFINE_MAIN}: no capabilityBits table`);
  return [...table[1].matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
}

test("confine's capabilityBits equal the model's CAPABILITY_BITS, in bit order", () => {
  expect(goCapabilityBits(fs.readFileSync(CONFINE_MAIN, "utf8"))).toEqual([...CAPABILITY_BITS]);
});

test("a table that differs by one name is caught", () => {
  const source = fs.readFileSync(CONFINE_MAIN, "utf8").replace('"PERFMON"', '"PERFMONX"');
  expect(goCapabilityBits(source)).not.toEqual([...CAPABILITY_BITS]);
});
