/**
 * The report written as the review goes, so a stream of any length needs no more memory than one
 * batch of documents: table and JSON write each violation when it is found, SARIF each result;
 * errors and notes (one per bad input or skipped document) are kept for the end. JUnit's totals
 * come first in its XML, so it keeps the whole report and writes it at the end.
 *
 * The bytes are the same as the formatters' (./text.ts, ./sarif.ts, ./junit.ts) over the whole
 * report, except SARIF, whose run lists `results` before `invocations` (the errors are known last).
 */
import * as fs from "fs";
import type { FileError, FileViolation, ReportSink } from "./stream";

export const FORMATS = ["table", "json", "sarif", "junit"] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportCounts {
  reviewed: number;
  mandatory: number;
  advisory: number;
  errors: number;
}

/** A sink that writes; `end` finishes the output and returns what was counted. */
export interface ReportWriter extends ReportSink {
  end(reviewed: number): ReportCounts;
}

/** Buffered writes to a file descriptor (a pipe that is not ready is waited for). */
export class Output {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly fd: number) {}

  write(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const data = Buffer.from(this.pending.join(""), "utf8");
    this.pending = [];
    this.size = 0;
    for (let off = 0; off < data.length;) {
      try {
        off += fs.writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
    }
  }
}

export interface WriterOptions {
  /** SARIF: the tool's version. */
  version: () => string;
  /** SARIF: absolute URL of the rules' documentation. */
  readmeUrl?: string;
}

function counting(): ReportCounts {
  return { reviewed: 0, mandatory: 0, advisory: 0, errors: 0 };
}

function count(counts: ReportCounts, v: FileViolation): void {
  if (v.level === "mandatory") counts.mandatory++;
  else counts.advisory++;
}

const indent = (text: string, spaces: string): string => spaces + text.replace(/\n/g, `\n${spaces}`);

function tableWriter(out: Output): ReportWriter {
  // Loaded when used: the one-file run of another format does not compile it.
  const text = require("./text") as typeof import("./text");
  const counts = counting();
  const errors: FileError[] = [];
  const notes: string[] = [];
  return {
    file() {},
    workload() {},
    violation(v) {
      count(counts, v);
      out.write(`${text.tableLines(v)}\n`);
    },
    error: (e) => errors.push(e),
    note: (n) => notes.push(n),
    end(reviewed) {
      counts.reviewed = reviewed;
      counts.errors = errors.length;
      for (const line of text.tableTail(errors, notes, counts)) out.write(`${line}\n`);
      out.flush();
      return counts;
    },
  };
}

function jsonWriter(out: Output): ReportWriter {
  const counts = counting();
  const errors: FileError[] = [];
  let first = true;
  out.write('{\n  "violations": [');
  return {
    file() {},
    workload() {},
    violation(v) {
      count(counts, v);
      const { file, line, column, resource, container, rule, level, field, message } = v;
      const entry = { file, line, column, resource, container, rule, level, field, message };
      out.write(`${first ? "\n" : ",\n"}${indent(JSON.stringify(entry, null, 2), "    ")}`);
      first = false;
    },
    error: (e) => errors.push(e),
    note() {},
    end(reviewed) {
      counts.reviewed = reviewed;
      counts.errors = errors.length;
      out.write(
        `${first ? "]" : "\n  ]"},\n  "errors": ${JSON.stringify(errors, null, 2).replace(/\n/g, "\n  ")}\n}\n`,
      );
      out.flush();
      return counts;
    },
  };
}

function sarifWriter(out: Output, options: WriterOptions): ReportWriter {
  const sarif = require("./sarif") as typeof import("./sarif");
  const counts = counting();
  const errors: FileError[] = [];
  const RESULTS = '"@@results@@"';
  const INVOCATIONS = '"@@invocations@@"';
  const skeleton = JSON.stringify(
    sarif.toSarifRun({ version: options.version(), readmeUrl: options.readmeUrl }, "@@results@@", "@@invocations@@"),
    null,
    2,
  );
  const [head, rest] = skeleton.split(RESULTS);
  const [between, tail] = rest.split(INVOCATIONS);
  const results = sarif.resultOf();
  let first = true;
  out.write(`${head}[`);
  return {
    file() {},
    workload() {},
    violation(v) {
      count(counts, v);
      out.write(`${first ? "\n" : ",\n"}${indent(JSON.stringify(results(v), null, 2), "        ")}`);
      first = false;
    },
    error: (e) => errors.push(e),
    note() {},
    end(reviewed) {
      counts.reviewed = reviewed;
      counts.errors = errors.length;
      const invocations = sarif.invocationsOf(errors, exitOf(counts));
      out.write(
        `${first ? "]" : "\n      ]"}${between}${JSON.stringify(invocations, null, 2).replace(/\n/g, "\n      ")}${tail}\n`,
      );
      out.flush();
      return counts;
    },
  };
}

function junitWriter(out: Output): ReportWriter {
  const inputs = require("./inputs") as typeof import("./inputs");
  const junit = require("./junit") as typeof import("./junit");
  const report = inputs.emptyReport();
  const counts = counting();
  const collect = inputs.collectInto(report);
  return {
    ...collect,
    violation(v) {
      count(counts, v);
      collect.violation(v);
    },
    end(reviewed) {
      report.reviewed = counts.reviewed = reviewed;
      counts.errors = report.errors.length;
      out.write(junit.formatJunit(report));
      out.flush();
      return counts;
    },
  };
}

export function reportWriter(format: Format, out: Output, options: WriterOptions): ReportWriter {
  switch (format) {
    case "json":
      return jsonWriter(out);
    case "sarif":
      return sarifWriter(out, options);
    case "junit":
      return junitWriter(out);
    default:
      return tableWriter(out);
  }
}

/** 0: no mandatory violation; 1: at least one; 2: an input could not be read or parsed. */
export function exitOf(counts: Pick<ReportCounts, "mandatory" | "errors">): 0 | 1 | 2 {
  if (counts.errors > 0) return 2;
  return counts.mandatory > 0 ? 1 : 0;
}
