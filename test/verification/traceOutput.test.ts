import fc from "fast-check";
import {
  parseTraceLine,
  parseTraceOutput,
  lineSplitter,
  cleanComm,
  matchesConnection,
  formatTraceEvent,
  tracerEventLine,
  TraceEvent,
} from "../../verification/traceOutput";

/** What Go's `log.Printf("%-16s %-15s %-6d -> %-15s %-6d", ...)` prints, comm being a [16]uint8. */
function goEventLine(
  time: string,
  comm: string,
  srcAddr: string,
  srcPort: number,
  dstAddr: string,
  dstPort: number,
): string {
  return tracerEventLine({ time, comm, srcAddr, srcPort, dstAddr, dstPort });
}
const HEADER = "2024/12/17 08:40:48 Comm             Src addr        Port   -> Dest addr       Port  ";

describe("parseTraceLine over the fentry example's real format", () => {
  test.each([
    ["the padded header", HEADER, { kind: "header", time: "2024/12/17 08:40:48" }],
    [
      "the header of the example's doc comment (other spacing)",
      "2021/11/06 17:51:15 Comm   Src addr      Port   -> Dest addr        Port",
      { kind: "header", time: "2021/11/06 17:51:15" },
    ],
    [
      "the shutdown line",
      "2024/12/17 08:41:00 received signal, exiting..",
      { kind: "shutdown", time: "2024/12/17 08:41:00" },
    ],
    [
      "an error",
      "2024/12/17 08:40:48 failed to set memlock rlimit: operation not permitted",
      { kind: "message", time: "2024/12/17 08:40:48", text: "failed to set memlock rlimit: operation not permitted" },
    ],
    [
      "garbage without the log prefix",
      "libbpf: map 'events': created",
      { kind: "garbage", text: "libbpf: map 'events': created" },
    ],
    ["an empty line", "", { kind: "garbage", text: "" }],
  ])("%s", (_name, line, expected) => {
    expect(parseTraceLine(line)).toEqual(expected);
  });

  test("an event with a NUL-padded comm", () => {
    expect(parseTraceLine(goEventLine("2024/12/17 08:40:49", "curl", "10.0.2.15", 54268, "104.21.1.217", 80))).toEqual({
      kind: "event",
      event: {
        time: "2024/12/17 08:40:49",
        comm: "curl",
        srcAddr: "10.0.2.15",
        srcPort: 54268,
        dstAddr: "104.21.1.217",
        dstPort: 80,
      },
    });
  });

  test("an event whose comm fills all 16 bytes (no NUL) and one with stale bytes after the NUL", () => {
    const full = goEventLine("2024/12/17 08:40:49", "kworker/u16:2-ev", "127.0.0.1", 1, "127.0.0.1", 65535);
    expect(parseTraceLine(full)).toMatchObject({
      kind: "event",
      event: { comm: "kworker/u16:2-ev", srcPort: 1, dstPort: 65535 },
    });
    const stale =
      "2024/12/17 08:40:49 sh\u0000ell\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000 10.0.0.1 40000 -> 10.0.0.2 443";
    expect(parseTraceLine(stale)).toMatchObject({ kind: "event", event: { comm: "sh", dstPort: 443 } });
  });

  test("a comm with spaces", () => {
    expect(
      parseTraceLine(goEventLine("2024/12/17 08:40:49", "Web Content", "192.168.1.2", 40000, "1.1.1.1", 443)),
    ).toMatchObject({
      kind: "event",
      event: { comm: "Web Content", dstAddr: "1.1.1.1" },
    });
  });

  test("the vendor document's line (no NULs, single spaces) is an event; its redacted address is not", () => {
    expect(parseTraceLine("2024/12/17 08:40:49 ilogtail 172.20.87.70 34742 -> 100.100.0.208 80")).toMatchObject({
      kind: "event",
      event: { comm: "ilogtail", dstPort: 80 },
    });
    expect(parseTraceLine("2024/12/17 08:40:49 ilogtail 172.20.87.70 34742 -> 100.x.x.208 80").kind).toBe("message");
  });

  test("ports out of range and bad addresses are not events", () => {
    expect(parseTraceLine("2024/12/17 08:40:49 curl 10.0.0.1 70000 -> 10.0.0.2 80").kind).toBe("message");
    expect(parseTraceLine("2024/12/17 08:40:49 curl 10.0.0.256 7000 -> 10.0.0.2 80").kind).toBe("message");
    expect(parseTraceLine("curl 10.0.0.1 7000 -> 10.0.0.2 80")).toMatchObject({
      kind: "event",
      event: { comm: "curl" },
    });
  });

  test("a CRLF line ending is tolerated", () => {
    expect(parseTraceLine(HEADER + "\r").kind).toBe("header");
  });
});

describe("parseTraceOutput", () => {
  test("a whole capture: garbage, header, events, shutdown", () => {
    const text = [
      "some wrapper noise",
      HEADER,
      goEventLine("2024/12/17 08:40:49", "bash", "127.0.0.1", 41000, "127.0.0.1", 23451),
      "2024/12/17 08:40:49 reading from reader: epoll wait: interrupted",
      goEventLine("2024/12/17 08:40:50", "ilogtail", "172.20.87.70", 34742, "100.100.0.208", 80),
      "2024/12/17 08:41:00 received signal, exiting..",
      "",
    ].join("\n");
    const out = parseTraceOutput(text);
    expect(out.headerSeen).toBe(true);
    expect(out.shutdownSeen).toBe(true);
    expect(out.events.map((e) => e.comm)).toEqual(["bash", "ilogtail"]);
    expect(out.messages).toEqual(["reading from reader: epoll wait: interrupted"]);
    expect(out.garbage).toEqual(["some wrapper noise"]);
  });

  test("nothing but an error", () => {
    const out = parseTraceOutput("2024/12/17 08:40:48 failed to set memlock rlimit: operation not permitted\n");
    expect(out).toEqual({
      headerSeen: false,
      shutdownSeen: false,
      events: [],
      messages: ["failed to set memlock rlimit: operation not permitted"],
      garbage: [],
    });
  });
});

describe("lineSplitter", () => {
  test("reassembles lines split across chunks, and flushes a last partial line", () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push("2024/12/17 08:40:48 Comm   Src");
    s.push(" addr Port -> Dest addr Port\nab");
    s.push("c\n\nlast");
    expect(lines).toEqual(["2024/12/17 08:40:48 Comm   Src addr Port -> Dest addr Port", "abc", ""]);
    s.flush();
    expect(lines[lines.length - 1]).toBe("last");
  });
});

describe("matching and helpers", () => {
  const e: TraceEvent = { comm: "bash", srcAddr: "127.0.0.1", srcPort: 41000, dstAddr: "127.0.0.1", dstPort: 23451 };
  test("comm and destination port (and address when given) must match", () => {
    expect(matchesConnection(e, { comm: "bash", dstPort: 23451 })).toBe(true);
    expect(matchesConnection(e, { comm: "bash", dstPort: 23451, dstAddr: "127.0.0.1" })).toBe(true);
    expect(matchesConnection(e, { comm: "bash", dstPort: 23451, dstAddr: "10.0.0.1" })).toBe(false);
    expect(matchesConnection(e, { comm: "curl", dstPort: 23451 })).toBe(false);
    expect(matchesConnection(e, { comm: "bash", dstPort: 80 })).toBe(false);
  });
  test("cleanComm", () => {
    expect(cleanComm("bash\u0000\u0000  ")).toBe("bash");
    expect(cleanComm("a b  ")).toBe("a b");
  });
});

describe("properties", () => {
  test("any input, any unicode, never throws and always classifies", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const parsed = parseTraceLine(s);
        expect(["header", "event", "shutdown", "message", "garbage"]).toContain(parsed.kind);
        parseTraceOutput(s);
      }),
      { numRuns: 2000 },
    );
  });

  test("log-prefixed noise with separators, digits and arrows never throws", () => {
    const token = fc.constantFrom(
      "->",
      " ",
      "\t",
      "\u0000",
      "1.2.3.4",
      "65535",
      "99999",
      "Comm",
      "Src addr",
      "Port",
      "Dest addr",
      "received signal, exiting..",
      "\r",
      "a",
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        parseTraceLine(`2024/12/17 08:40:49 ${tokens.join("")}`);
      }),
      { numRuns: 2000 },
    );
  });

  test("every event the program can print parses back to itself", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
    const comm = fc
      .string({
        unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_/:. ".split("")),
        minLength: 1,
        maxLength: 16,
      })
      .filter((c) => c.trim() === c && c.length > 0);
    fc.assert(
      fc.property(
        comm,
        ip,
        fc.integer({ min: 0, max: 65535 }),
        ip,
        fc.integer({ min: 0, max: 65535 }),
        (c, src, sport, dst, dport) => {
          const parsed = parseTraceLine(goEventLine("2025/01/02 03:04:05", c, src, sport, dst, dport));
          expect(parsed).toEqual({
            kind: "event",
            event: { time: "2025/01/02 03:04:05", comm: c, srcAddr: src, srcPort: sport, dstAddr: dst, dstPort: dport },
          });
          expect(
            parseTraceLine(formatTraceEvent({ comm: c, srcAddr: src, srcPort: sport, dstAddr: dst, dstPort: dport })),
          ).toMatchObject({ kind: "event" });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

/** parseTraceLine as it was before its fast path (regular expressions only): the oracle the fast path must agree with. */
function regexParseTraceLine(line: string) {
  const text = line.replace(/\r$/, "");
  if (text.length > 4096) return { kind: "garbage", text: text.slice(0, 4096) };
  const m = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) ([\s\S]*)$/.exec(text);
  const time = m ? m[1] : undefined;
  const body = m ? m[2] : text;
  if (/^Comm\s+Src addr\s+Port\s+->\s+Dest addr\s+Port\s*$/.test(body))
    return time ? { kind: "header", time } : { kind: "header" };
  if (body.trim() === "received signal, exiting..") return time ? { kind: "shutdown", time } : { kind: "shutdown" };
  const e = /^([\s\S]*?)[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]+->[ \t]+(\S+)[ \t]+(\d{1,5})[ \t]*$/.exec(body);
  const ip = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  if (e && Number(e[3]) <= 65535 && Number(e[5]) <= 65535 && ip.test(e[2]) && ip.test(e[4])) {
    const nul = e[1].indexOf("\u0000");
    const comm = (nul >= 0 ? e[1].slice(0, nul) : e[1]).replace(/[ \t]+$/, "");
    const event: TraceEvent = { comm, srcAddr: e[2], srcPort: Number(e[3]), dstAddr: e[4], dstPort: Number(e[5]) };
    if (time !== undefined) event.time = time;
    return { kind: "event", event };
  }
  if (time !== undefined) return { kind: "message", time, text: body };
  return { kind: "garbage", text };
}

describe("the fast path agrees with the regular-expression parser", () => {
  // Pieces of event lines and the ways they can go wrong: NUL padding in and after the comm,
  // blanks and other whitespace, leading zeros, out-of-range octets and ports, stray arrows, CR.
  const piece = fc.constantFrom(
    "2024/12/17 08:40:49 ",
    "2024/12/17 08:40:4 ",
    "bash",
    "a b",
    "Web Content",
    "\u0000",
    "\u0000\u0000\u0000",
    " ",
    "  ",
    "\t",
    "\u00a0",
    "\u2003",
    "\v",
    "1.2.3.4",
    "172.20.87.70",
    "255.255.255.255",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3",
    "0.0.0.0",
    "80",
    "65535",
    "65536",
    "99999",
    "123456",
    "0",
    "007",
    "->",
    "-",
    ">",
    "\r",
    "x",
    "Comm",
    "Port",
    "é",
  );
  test("on lines built from event pieces", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const line = pieces.join("");
        expect(parseTraceLine(line)).toEqual(regexParseTraceLine(line));
      }),
      { numRuns: 20000 },
    );
  });
  test("on the tracer's own lines with any comm and any ports", () => {
    let events = 0;
    // Mostly valid fields, so that most lines are events and the comm's edge cases are reached.
    const octet = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 40 },
      { arbitrary: fc.constantFrom("256", "300", "00", "01", "1a"), weight: 1 },
    );
    const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
    const comm = fc.string({ unit: fc.constantFrom("a", " ", "\t", "\u0000", "-", "1", ".", "\u00a0"), maxLength: 18 });
    const port = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 65535 }), weight: 20 },
      { arbitrary: fc.integer({ min: 65536, max: 200000 }), weight: 1 },
    );
    fc.assert(
      fc.property(
        comm,
        ip,
        port,
        ip,
        port,
        fc.constantFrom("", "\r", "  ", " \t"),
        (c, src, sport, dst, dport, tail) => {
          const line = goEventLine("2025/01/02 03:04:05", c, src, sport, dst, dport) + tail;
          const expected = regexParseTraceLine(line);
          if (expected.kind === "event") events++;
          expect(parseTraceLine(line)).toEqual(expected);
        },
      ),
      { numRuns: 10000 },
    );
    expect(events).toBeGreaterThan(5000);
  });
  test("on any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), (s) => {
        expect(parseTraceLine(s)).toEqual(regexParseTraceLine(s));
        expect(parseTraceLine(`2024/12/17 08:40:49 ${s}`)).toEqual(regexParseTraceLine(`2024/12/17 08:40:49 ${s}`));
      }),
      { numRuns: 5000 },
    );
  });
});
