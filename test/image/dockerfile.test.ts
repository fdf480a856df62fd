/**
 * The workbench Dockerfile, read with a real Dockerfile parser (dockerfile-ast): each check is a
 * function over the Dockerfile text that returns the problems it finds. Every check runs on the
 * real file (no problems) and on a broken copy (the problem is found), so none of them can pass
 * by accident.
 */
import * as fs from "fs";
import * as path from "path";
import { Arg, Cmd, Copy, DockerfileParser, Env, Instruction, Label } from "dockerfile-ast";
import { EBPF_SOURCE_PATH, KEEP_ALIVE_COMMAND, SELFTEST_PATH, TRACER_BINARY_PATH } from "../../core/workload";
import { SELFTEST_SCRIPT_FILE } from "../../verification/selftestScript";
import { workbenchBuildArgs } from "../../core/workbenchVersions";
import { PINNED, WORKBENCH_DOCKERFILE } from "../../images/ebpf-workbench/versions";

const DOCKERFILE = fs.readFileSync(WORKBENCH_DOCKERFILE, "utf8");

interface Parsed {
  instructions: Instruction[];
  /** ARG name → default, for every ARG (global and in the stage). */
  argDefaults: Map<string, string | null>;
}

function parse(text: string): Parsed {
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const argDefaults = new Map<string, string | null>();
  for (const arg of [...dockerfile.getInitialARGs(), ...dockerfile.getARGs()] as Arg[]) {
    const property = arg.getProperty();
    if (!property) continue;
    // A re-declaration without a default (to bring a global ARG into the stage) keeps the default.
    if (property.getValue() !== null || !argDefaults.has(property.getName())) {
      argDefaults.set(property.getName(), property.getValue());
    }
  }
  return { instructions, argDefaults };
}

/** A RUN instruction's shell script as one line (continuations joined by the parser). */
function script(instruction: Instruction): string {
  return instruction
    .getArguments()
    .map((a) => a.getValue())
    .join(" ");
}

/** The simple commands of a shell script, in order (split at ; && || and newlines). */
function commands(shell: string): string[] {
  return shell
    .split(/;;|;|&&|\|\||\n/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

function runs(p: Parsed): Instruction[] {
  return p.instructions.filter((i) => i.getKeyword() === "RUN");
}

function resolve(p: Parsed, value: string): string {
  return value.replace(/\$\{([A-Z_]+)\}|\$([A-Z_]+)/g, (_, a, b) => p.argDefaults.get(a ?? b) ?? "");
}

// ---- the checks -------------------------------------------------------------------------------

function checkPinnedDefaultsMatchTable(text: string): string[] {
  const p = parse(text);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(workbenchBuildArgs({}, PINNED))) {
    if (!p.argDefaults.has(name)) problems.push(`ARG ${name} is not declared (the component passes it)`);
    else if (p.argDefaults.get(name) !== value)
      problems.push(`ARG ${name} defaults to ${p.argDefaults.get(name)}, versions.json says ${value}`);
  }
  return problems;
}

function checkFromUsesBaseImage(text: string): string[] {
  const dockerfile = DockerfileParser.parse(text);
  const p = parse(text);
  const froms = dockerfile.getFROMs();
  if (froms.length !== 1) return [`expected one FROM, found ${froms.length}`];
  const image = resolve(p, froms[0].getImage() ?? "");
  return image === PINNED.baseImage ? [] : [`FROM resolves to ${image}, versions.json says ${PINNED.baseImage}`];
}

function checkChecksumBeforeExtract(text: string): string[] {
  const p = parse(text);
  const step = runs(p).find((r) => script(r).includes("go.tar.gz") && /\btar\b/.test(script(r)));
  if (!step) return ["no RUN downloads and extracts the Go tarball"];
  const cmds = commands(script(step));
  const problems: string[] = [];
  if (!/^set -[a-z]*e/.test(cmds[0] ?? ""))
    problems.push("the Go RUN does not start with `set -e…`: a failed check would not stop it");
  const check = cmds.findIndex((c) => /\bsha256sum (-c|--check)\b/.test(c));
  const download = cmds.findIndex((c) => /^curl\b/.test(c));
  const extract = cmds.findIndex((c) => /^tar\b/.test(c) && /\s-[a-zA-Z]*x/.test(c));
  if (check < 0) problems.push("the tarball is not checked with sha256sum -c");
  if (extract < 0) problems.push("the tarball is not extracted with tar -x…");
  if (download < 0 || (check >= 0 && download > check)) problems.push("the download does not come before the checksum");
  if (check >= 0 && extract >= 0 && check > extract)
    problems.push("the tarball is extracted before its checksum is verified");
  // The checksum comes from the per-architecture pinned values, chosen by TARGETARCH.
  const all = script(step);
  for (const needle of [
    "${TARGETARCH",
    "${GO_SHA256_AMD64}",
    "${GO_SHA256_ARM64}",
    "${GO_VERSION}",
    "${GO_DOWNLOAD_BASE_URL",
  ]) {
    if (!all.includes(needle)) problems.push(`the Go RUN does not use ${needle}`);
  }
  return problems;
}

function checkGoToolchainLocal(text: string): string[] {
  const p = parse(text);
  const envs = p.instructions.filter((i) => i.getKeyword() === "ENV") as Env[];
  const env = envs.flatMap((e) =>
    e.getProperties().map((prop) => ({ name: prop.getName(), value: prop.getValue(), line: e.getRange().start.line })),
  );
  const toolchain = env.find((e) => e.name === "GOTOOLCHAIN");
  if (!toolchain || toolchain.value !== "local")
    return [`ENV GOTOOLCHAIN is ${toolchain?.value ?? "not set"}, expected local`];
  const firstGoUse = runs(p).find((r) => /(^|\s)go (build|run|install|mod)\b/.test(script(r)));
  if (firstGoUse && firstGoUse.getRange().start.line < toolchain.line)
    return ["GOTOOLCHAIN=local is set after the first go command"];
  return [];
}

function checkCloneOfTag(text: string): string[] {
  const p = parse(text);
  const step = runs(p).find((r) => script(r).includes("git clone"));
  if (!step) return ["no RUN clones cilium/ebpf"];
  const args = commands(script(step))
    .find((c) => c.startsWith("git clone"))!
    .split(/\s+/);
  const problems: string[] = [];
  const at = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
  if (at("--depth") !== "1") problems.push("the clone is not shallow (--depth 1)");
  const ref = resolve(p, (at("--branch") ?? "").replace(/"/g, ""));
  if (ref !== PINNED.ciliumEbpf.tag)
    problems.push(`the clone checks out ${ref || "the default branch"}, not the pinned tag ${PINNED.ciliumEbpf.tag}`);
  if (!/^v\d+\.\d+\.\d+$/.test(ref)) problems.push(`${ref} is not a release tag (a branch such as main moves)`);
  if (args[args.length - 1] !== EBPF_SOURCE_PATH)
    problems.push(`the source is cloned to ${args[args.length - 1]}, not ${EBPF_SOURCE_PATH}`);
  if (!script(step).includes("refs/tags/${CILIUM_EBPF_TAG}"))
    problems.push("the build does not check that the ref it cloned is a tag");
  if (!script(step).includes("${CILIUM_EBPF_GO_DIRECTIVE"))
    problems.push("the build does not compare go.mod's go directive with the table");
  return problems;
}

function checkPrebuiltTracer(text: string): string[] {
  const p = parse(text);
  const index = p.instructions.findIndex((i) => i.getKeyword() === "RUN" && /\bgo build\b/.test(script(i)));
  if (index < 0) return ["the fentry example is not prebuilt (no go build)"];
  const build = commands(script(p.instructions[index])).find((c) => /\bgo build\b/.test(c))!;
  const args = build.split(/\s+/);
  const problems: string[] = [];
  const output = args[args.indexOf("-o") + 1];
  if (args.indexOf("-o") < 0 || output !== TRACER_BINARY_PATH)
    problems.push(`the binary goes to ${output}, the verification runs ${TRACER_BINARY_PATH}`);
  if (!args.includes("CGO_ENABLED=0")) problems.push("the tracer is not built with CGO_ENABLED=0");
  const workdir = p.instructions
    .slice(0, index)
    .filter((i) => i.getKeyword() === "WORKDIR")
    .pop();
  const dir = workdir
    ? workdir
        .getArguments()
        .map((a) => a.getValue())
        .join(" ")
    : "";
  const pkg = args[args.length - 1];
  const built = pkg === "." ? dir : pkg;
  if (built !== `${EBPF_SOURCE_PATH}/examples/fentry`)
    problems.push(`go build builds ${built}, not ${EBPF_SOURCE_PATH}/examples/fentry`);
  return problems;
}

function checkSelftestInstalled(text: string): string[] {
  const copies = DockerfileParser.parse(text)
    .getInstructions()
    .filter((i) => i.getKeyword() === "COPY");
  const copy = copies.find((c) => c.getArguments().some((a) => a.getValue() === SELFTEST_PATH));
  if (!copy) return [`no COPY installs the self-test at ${SELFTEST_PATH}`];
  const args = copy.getArguments().map((a) => a.getValue());
  const problems: string[] = [];
  if (!args.includes(path.basename(SELFTEST_SCRIPT_FILE)))
    problems.push(`the COPY does not take ${path.basename(SELFTEST_SCRIPT_FILE)} from the build context`);
  if (!fs.existsSync(path.join(path.dirname(WORKBENCH_DOCKERFILE), args[args.length - 2] ?? "")))
    problems.push(`${args[args.length - 2]} is not in the build context`);
  if (!(copy as Copy).getFlags().some((f) => f.getName() === "chmod" && /^0?755$/.test(f.getValue() ?? "")))
    problems.push("the self-test is not made executable (--chmod=0755)");
  return problems;
}

function checkKeepAliveCmd(text: string): string[] {
  const cmds = DockerfileParser.parse(text).getCMDs() as Cmd[];
  const last = cmds[cmds.length - 1];
  // Exec form: the parser gives the argument text; JSON.parse reads it as Docker does
  // (getJSONValue() drops the spaces inside the strings).
  if (!last || last.getJSONStrings().length === 0) return ["no CMD in exec (JSON) form"];
  const json = JSON.parse(last.getArgumentsContent() ?? "null") as unknown;
  return JSON.stringify(json) === JSON.stringify(KEEP_ALIVE_COMMAND)
    ? []
    : [`CMD is ${JSON.stringify(json)}, expected ${JSON.stringify(KEEP_ALIVE_COMMAND)}`];
}

function checkNothingFloats(text: string): string[] {
  const p = parse(text);
  const problems: string[] = [];
  for (const [name, value] of p.argDefaults) {
    if (value && (/:latest$/.test(value) || /^(main|master|HEAD)$/.test(value)))
      problems.push(`ARG ${name} defaults to the moving ${value}`);
  }
  const from = resolve(p, DockerfileParser.parse(text).getFROMs()[0]?.getImage() ?? "");
  const lastComponent = from.split("/").pop() ?? "";
  if (!lastComponent.includes(":") && !lastComponent.includes("@")) problems.push(`FROM ${from} has no tag or digest`);
  return problems;
}

function checkYumHygiene(text: string): string[] {
  const p = parse(text);
  const step = runs(p).find((r) => script(r).includes("yum install"));
  if (!step) return ["no RUN installs packages"];
  const cmds = commands(script(step));
  const problems: string[] = [];
  if (!cmds.includes("yum clean all")) problems.push("yum caches are not cleaned (yum clean all)");
  const update = cmds.findIndex((c) => /\byum (-y )?update\b/.test(c));
  if (update >= 0 && !(/^then\b/.test(cmds[update]) && cmds[update - 1]?.includes("${YUM_UPDATE}")))
    problems.push("yum update is not conditional on YUM_UPDATE");
  if (p.argDefaults.get("YUM_UPDATE") !== "false") problems.push("YUM_UPDATE is not off by default");
  const install = cmds.find((c) => c.startsWith("yum install"))!.split(/\s+/);
  for (const pkg of ["util-linux", "coreutils", "bash", "procps-ng", "iproute", "git", "tar"]) {
    if (!install.includes(pkg))
      problems.push(`package ${pkg} is not installed (the verification or the build needs it)`);
  }
  return problems;
}

function checkLabels(text: string): string[] {
  const p = parse(text);
  const labels = (p.instructions.filter((i) => i.getKeyword() === "LABEL") as Label[]).flatMap((l) =>
    l.getProperties(),
  );
  const values = labels.map((l) => l.getValue() ?? "");
  const problems: string[] = [];
  for (const needle of ["${GO_VERSION}", "${CILIUM_EBPF_TAG}", "${CILIUM_EBPF_GIT_URL}"]) {
    if (!values.some((v) => v.includes(needle))) problems.push(`no LABEL records ${needle}`);
  }
  if (!labels.some((l) => l.getName().startsWith("org.opencontainers.image.")))
    problems.push("no OCI (org.opencontainers.image.*) label");
  return problems;
}

const CHECKS: Array<{ name: string; check: (text: string) => string[]; breakIt: (text: string) => string }> = [
  {
    name: "pinned ARG defaults equal versions.json",
    check: checkPinnedDefaultsMatchTable,
    breakIt: (t) => t.replace(`ARG GO_VERSION=${PINNED.go.version}`, "ARG GO_VERSION=1.22.3"),
  },
  {
    name: "FROM is the pinned base image",
    check: checkFromUsesBaseImage,
    breakIt: (t) => t.replace("FROM ${BASE_IMAGE}", "FROM alinux3"),
  },
  {
    name: "the Go tarball's sha256 is verified before it is extracted",
    check: checkChecksumBeforeExtract,
    breakIt: (t) => {
      const lines = t.split("\n");
      const check = lines.findIndex((l) => l.includes("sha256sum -c"));
      const extract = lines.findIndex((l) => l.includes("tar -C /usr/local"));
      [lines[check], lines[extract]] = [lines[extract], lines[check]];
      return lines.join("\n");
    },
  },
  {
    name: "GOTOOLCHAIN=local before any go command",
    check: checkGoToolchainLocal,
    breakIt: (t) => t.replace("ENV GOTOOLCHAIN=local", "ENV GOTOOLCHAIN=auto"),
  },
  {
    name: "cilium/ebpf is a shallow clone of the pinned tag at /app/ebpf",
    check: checkCloneOfTag,
    breakIt: (t) => t.replace('--branch "${CILIUM_EBPF_TAG}"', "--branch main"),
  },
  {
    name: "the fentry example is prebuilt at TRACER_BINARY_PATH",
    check: checkPrebuiltTracer,
    breakIt: (t) => t.replace(`-o ${TRACER_BINARY_PATH}`, "-o /usr/local/bin/fentry"),
  },
  {
    name: "the self-test is installed executable at SELFTEST_PATH",
    check: checkSelftestInstalled,
    breakIt: (t) => t.replace("COPY --chmod=0755 ebpf-selftest", "COPY ebpf-selftest"),
  },
  {
    name: "CMD keeps the container up and exits on SIGTERM",
    check: checkKeepAliveCmd,
    breakIt: (t) => t.replace(/^CMD .*$/m, 'CMD ["sleep", "36000"]'),
  },
  {
    name: "nothing the build pins floats (no latest, no branch)",
    check: checkNothingFloats,
    breakIt: (t) => t.replace(PINNED.baseImage, PINNED.baseImage.replace(/:[^:/]+$/, ":latest")),
  },
  {
    name: "yum: caches cleaned, update only on request, the verification's tools installed",
    check: checkYumHygiene,
    breakIt: (t) => t.replace('if [ "${YUM_UPDATE}" = "true" ]; then yum update -y; fi;', "yum update -y;"),
  },
  {
    name: "OCI labels record the Go version, cilium/ebpf tag and source",
    check: checkLabels,
    breakIt: (t) =>
      t.replace('io.acs-ebpf.cilium-ebpf.tag="${CILIUM_EBPF_TAG}"', 'io.acs-ebpf.cilium-ebpf.tag="unknown"'),
  },
];

describe("workbench Dockerfile", () => {
  test.each(CHECKS)("$name", ({ check }) => {
    expect(check(DOCKERFILE)).toEqual([]);
  });

  test.each(CHECKS)("$name: a broken Dockerfile is caught", ({ check, breakIt }) => {
    const broken = breakIt(DOCKERFILE);
    expect(broken).not.toEqual(DOCKERFILE);
    expect(check(broken).length).toBeGreaterThan(0);
  });

  test("a bumped table without the matching ARG default is caught", () => {
    const bumped = { ...PINNED, go: { ...PINNED.go, version: "1.27.3" } };
    const expected = workbenchBuildArgs({}, bumped);
    const p = parse(DOCKERFILE);
    expect(p.argDefaults.get("GO_VERSION")).not.toBe(expected.GO_VERSION);
  });

  test("every ARG the build uses has a default or comes from BuildKit", () => {
    const p = parse(DOCKERFILE);
    const noDefault = [...p.argDefaults].filter(([, v]) => v === null).map(([k]) => k);
    expect(noDefault).toEqual(["TARGETARCH"]);
  });
});
