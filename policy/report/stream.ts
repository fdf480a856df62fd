/**
 * The review of files, folders and standard input as a stream: each input is read in chunks and
 * reviewed a batch of whole documents at a time (cut at `---` lines), and everything found goes to
 * a sink as it is found. Memory stays flat however long the stream: at most one batch's text, events
 * and objects are held, plus what the sink keeps. Lines are the input's own (each batch's findings
 * are shifted by the lines before it); columns are unchanged, since batches start at a line.
 *
 * A document that is not valid YAML ends its input: it is one error (line of the input), and the
 * documents before it are reviewed.
 */
import * as fs from "fs";
import * as path from "path";
import { StringDecoder } from "string_decoder";
import { ReviewConfig } from "../config";
import { Violation, reviewDocumentsInto, violationField, violationMessage } from "../review";
import { YamlStream, parseYamlStream } from "../yamlStream";
import { countLines, documentCuts, lastDocumentCut } from "./documentCuts";

/** The path argument that means standard input. */
export const STDIN = "-";

export interface FileViolation extends Violation {
  file: string;
  /** 1-based line and column of the offending field (or its nearest written ancestor). */
  line: number | null;
  column: number | null;
  /** Index of its workload, counted from 0 over the whole review. */
  workload: number;
}

/** An input that could not be read or parsed: a line of the report (bad arguments are core's InputError). */
export interface FileError {
  file: string;
  message: string;
  /** 1-based, when the parser says where. */
  line?: number;
}

/** Where a review reports, in order, as it goes. */
export interface ReportSink {
  /** An input whose documents are reviewed (called before its first workload, also for one with none). */
  file(file: string): void;
  workload(file: string, resource: string): void;
  violation(v: FileViolation): void;
  error(e: FileError): void;
  note(text: string): void;
}

export interface StreamOptions {
  config: ReviewConfig;
  /** Reads standard input whole (tests); default: fd 0 in chunks. */
  readStdin?: () => string;
  /** The name `-` is reported under; default `<stdin>`. */
  stdinName?: string;
}

/** About this many characters of whole documents are parsed at once (a larger document is parsed whole). */
export const BATCH_CHARACTERS = 512 * 1024;
const READ_BYTES = 256 * 1024;
const YAML_FILE = /\.(ya?ml|json)$/i;

function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "cannot read: no such file or directory";
  if (code === "EACCES") return "cannot read: permission denied";
  return `cannot read: ${(e as Error).message}`;
}

/** Files under one path: a file as given, a folder recursively (sorted). Bad entries go to the sink. */
function collectFiles(input: string, sink: ReportSink): string[] {
  if (input === STDIN) return [STDIN];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    sink.error({ file: input, message: readError(e) });
    return [];
  }
  if (stat.isFile()) return [input];
  if (!stat.isDirectory()) {
    // A FIFO or device would block or never end: not something a manifest lives in.
    sink.error({ file: input, message: "cannot read: not a regular file or folder" });
    return [];
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(input, { withFileTypes: true });
  } catch (e) {
    sink.error({ file: input, message: readError(e) });
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) files.push(...collectFiles(full, sink));
    else if (YAML_FILE.test(entry.name)) files.push(...(entry.isFile() ? [full] : collectFiles(full, sink)));
  }
  if (files.length === 0) sink.note(`${input}: no .yaml, .yml or .json files`);
  return files;
}

/** Text chunks of a file descriptor until its end (UTF-8 split across reads is decoded whole). */
function chunksOf(fd: number): () => string | null {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const decoder = new StringDecoder("utf8");
  let done = false;
  return () => {
    if (done) return null;
    let n: number;
    for (;;) {
      try {
        n = fs.readSync(fd, buffer, 0, READ_BYTES, null);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
    }
    if (n === 0) {
      done = true;
      return decoder.end();
    }
    return decoder.write(n === READ_BYTES ? buffer : buffer.subarray(0, n));
  };
}

/** The reviewing of one input, batch by batch. */
class InputReview {
  private documents = 0;
  private lines = 0;
  private nonEmpty = false;
  private started = false;
  failed = false;

  constructor(
    private readonly file: string,
    private readonly config: ReviewConfig,
    private readonly sink: ReportSink,
    private readonly counter: { workloads: number; reviewed: number },
  ) {}

  /** Reviews whole documents; false (and the error reported) when one is not valid YAML. */
  batch(text: string): boolean {
    let stream: YamlStream;
    try {
      stream = parseYamlStream(text);
    } catch {
      // Find the malformed document: review the ones before it, report it at its line.
      let from = 0;
      for (const cut of [...documentCuts(text), text.length]) {
        if (cut <= from) continue;
        const piece = text.slice(from, cut);
        try {
          stream = parseYamlStream(piece);
        } catch (e) {
          this.parseError(e);
          return false;
        }
        this.review(stream, countLines(piece));
        from = cut;
      }
      return true; // not reached: the whole batch failed, so one of its pieces does
    }
    this.review(stream, countLines(text));
    return true;
  }

  /** The end of the input. */
  end(): void {
    if (this.failed) return;
    this.start();
    if (!this.nonEmpty) this.sink.note(`${this.file}: empty, nothing to review`);
  }

  private start(): void {
    if (!this.started) {
      this.started = true;
      this.sink.file(this.file);
    }
  }

  private parseError(e: unknown): void {
    this.failed = true;
    const mark = (e as { mark?: { line?: number; column?: number } }).mark;
    const reason = (e as { reason?: string }).reason;
    let message = (e as Error).message;
    if (typeof mark?.line === "number" && reason !== undefined && this.lines > 0) {
      // js-yaml counts lines from the batch: say the input's line (its snippet's context is the batch's).
      message = `${reason} (${mark.line + 1 + this.lines}:${(mark.column ?? 0) + 1})`;
    }
    this.sink.error({
      file: this.file,
      message: `not valid YAML: ${message}`,
      ...(typeof mark?.line === "number" ? { line: mark.line + 1 + this.lines } : {}),
    });
  }

  private review(stream: YamlStream, lines: number): void {
    this.start();
    const { file, sink, counter } = this;
    const firstDocument = this.documents;
    const lineOffset = this.lines;
    const firstWorkload = counter.workloads;
    const docs = stream.documents;
    for (let i = 0; i < docs.length && !this.nonEmpty; i++)
      if (docs[i] !== null && docs[i] !== undefined) this.nonEmpty = true;
    counter.reviewed += reviewDocumentsInto(
      docs,
      this.config,
      {
        workload: (resource) => {
          counter.workloads++;
          sink.workload(file, resource);
        },
        note: (n) => sink.note(`${file}: ${n}`),
        // Positions only for documents with violations: the events are already in memory.
        finding: (f, rule, level, resource, document, objectPath, workload) => {
          const field = violationField(f);
          const at = stream.locate(document, objectPath, field);
          sink.violation({
            file,
            line: at ? at.line + lineOffset : null,
            column: at?.column ?? null,
            resource,
            container: f.container ?? null,
            rule,
            level,
            field,
            message: violationMessage(f, field),
            workload: firstWorkload + workload,
          });
        },
      },
      firstDocument,
    );
    this.documents += docs.length;
    this.lines += lines;
  }
}

/** Reviews one input's text chunks (null at the end) into the sink. */
export function reviewChunks(
  file: string,
  next: () => string | null,
  config: ReviewConfig,
  sink: ReportSink,
  counter: { workloads: number; reviewed: number },
  batchCharacters = BATCH_CHARACTERS,
): void {
  const input = new InputReview(file, config, sink, counter);
  let pending = "";
  for (let chunk = next(); chunk !== null; chunk = next()) {
    pending += chunk;
    if (pending.length < batchCharacters) continue;
    const cut = lastDocumentCut(pending);
    if (cut < 0) continue; // one long document so far: read on
    if (!input.batch(pending.slice(0, cut))) return;
    pending = pending.slice(cut);
  }
  if (!input.batch(pending)) return;
  input.end();
}

/** Reviews files, folders and `-` into the sink; returns how many workloads were reviewed. */
export function reviewInputs(paths: readonly string[], options: StreamOptions, sink: ReportSink): number {
  const counter = { workloads: 0, reviewed: 0 };
  for (const input of paths) {
    for (const file of collectFiles(input, sink)) {
      const name = file === STDIN ? (options.stdinName ?? "<stdin>") : file;
      let next: () => string | null;
      let fd: number | undefined;
      try {
        if (file === STDIN && options.readStdin) {
          let text: string | null = options.readStdin();
          next = () => {
            const t = text;
            text = null;
            return t;
          };
        } else {
          fd = file === STDIN ? 0 : fs.openSync(file, "r");
          next = chunksOf(fd);
        }
      } catch (e) {
        sink.error({ file: name, message: readError(e) });
        continue;
      }
      try {
        reviewChunks(name, readingErrors(next), options.config, sink, counter);
      } catch (e) {
        if (!(e instanceof ReadFailure)) throw e;
        sink.error({ file: name, message: readError(e.cause) });
      } finally {
        if (fd !== undefined && fd !== 0) fs.closeSync(fd);
      }
    }
  }
  return counter.reviewed;
}

class ReadFailure extends Error {}

/** A read that fails (EISDIR, EIO) becomes a ReadFailure, told apart from the review's own errors. */
function readingErrors(next: () => string | null): () => string | null {
  return () => {
    try {
      return next();
    } catch (e) {
      throw new ReadFailure("read failed", { cause: e });
    }
  };
}
