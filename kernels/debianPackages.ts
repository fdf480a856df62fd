/**
 * Debian packages for the kernel matrix, fetched with apt-get download through a private sources
 * list (its own lists and cache directories under the matrix cache): the machine's apt
 * configuration is read, to find its Debian archive, and never changed. Each .deb is checked
 * against the committed sha256 (kernels/packages.json) before use.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import table from "./packages.json";

export interface DebianPackage {
  arch: string;
  suite: string;
  package: string;
  version: string;
  sha256: string;
}
export interface KernelPackage extends DebianPackage {
  release: string;
}

export const KERNEL_PACKAGES: readonly KernelPackage[] = table.kernels;
/** busybox-static for each guest architecture. */
export const BUSYBOX_PACKAGES: readonly DebianPackage[] = table.busybox;

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/**
 * The Debian archive URI of the machine's own apt sources (deb822 `.sources` files and one-line
 * `sources.list`), skipping the security archive: the suites the matrix needs all live there.
 */
export function debianArchiveUri(sourceFiles: readonly { name: string; text: string }[]): string | undefined {
  for (const { name, text } of sourceFiles) {
    const stanzas = name.endsWith(".sources")
      ? text.split(/\n\s*\n/).map((s) => ({
          uris: /^URIs:\s*(.+)$/im.exec(s)?.[1].trim().split(/\s+/) ?? [],
          suites: /^Suites:\s*(.+)$/im.exec(s)?.[1].trim().split(/\s+/) ?? [],
          enabled: !/^Enabled:\s*no/im.test(s) && /^Types:.*\bdeb\b/im.test(s),
        }))
      : text
          .split("\n")
          .map((l) => /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(l.trim()))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({ uris: [m[1]], suites: [m[2]], enabled: true }));
    for (const s of stanzas) {
      if (!s.enabled || s.suites.every((suite) => suite.endsWith("-security"))) continue;
      const uri = s.uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
      if (uri) return uri.replace(/\/+$/, "");
    }
  }
  return undefined;
}

function machineSourceFiles(): { name: string; text: string }[] {
  const files = ["/etc/apt/sources.list"];
  const dir = "/etc/apt/sources.list.d";
  if (fs.existsSync(dir))
    files.push(
      ...fs
        .readdirSync(dir)
        .filter((f) => /\.(list|sources)$/.test(f))
        .map((f) => path.join(dir, f)),
    );
  return files.filter((f) => fs.existsSync(f)).map((f) => ({ name: f, text: fs.readFileSync(f, "utf8") }));
}

function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The .deb file of a package in the cache, downloaded (and checked) when missing. */
export function fetchPackages(
  cacheDir: string,
  packages: readonly DebianPackage[],
  log: (line: string) => void,
): Map<DebianPackage, string> {
  const debs = path.join(cacheDir, "debs");
  fs.mkdirSync(debs, { recursive: true });
  const fileOf = (p: DebianPackage) => path.join(debs, `${p.package}_${p.version.replace(/^\d+:/, "")}_${p.arch}.deb`);
  const missing = packages.filter((p) => !(fs.existsSync(fileOf(p)) && sha256File(fileOf(p)) === p.sha256));
  if (missing.length > 0) {
    const uri = debianArchiveUri(machineSourceFiles());
    if (!uri)
      throw new Error(
        "apt sources: no Debian archive URI found in /etc/apt/sources.list or /etc/apt/sources.list.d; expected a `deb` source of a Debian suite",
      );
    const aptDir = path.join(cacheDir, "apt");
    for (const d of ["lists/partial", "cache/archives/partial"])
      fs.mkdirSync(path.join(aptDir, d), { recursive: true });
    const suites = [...new Set(missing.map((p) => p.suite))];
    const sourcesList = path.join(aptDir, "sources.list");
    const arches = [...new Set(missing.map((p) => p.arch))];
    fs.writeFileSync(
      sourcesList,
      suites.map((s) => `deb [arch=${arches.join(",")} signed-by=${KEYRING}] ${uri} ${s} main\n`).join(""),
    );
    const aptOptions = [
      "-o",
      `Dir::Etc::SourceList=${sourcesList}`,
      "-o",
      "Dir::Etc::SourceParts=/dev/null",
      "-o",
      `Dir::State::Lists=${path.join(aptDir, "lists")}`,
      "-o",
      `Dir::Cache=${path.join(aptDir, "cache")}`,
      "-o",
      `APT::Architectures=${arches.join(",")}`,
      // The private lists live in a root-owned cache that apt's _apt user cannot write.
      "-o",
      "APT::Sandbox::User=root",
    ];
    log(`apt-get update (private list: ${suites.join(", ")} from ${uri})`);
    execFileSync("apt-get", [...aptOptions, "-q", "update"], { stdio: ["ignore", "ignore", "inherit"] });
    for (const p of missing) {
      log(`apt-get download ${p.package}:${p.arch}=${p.version}`);
      try {
        execFileSync("apt-get", [...aptOptions, "-q", "download", `${p.package}:${p.arch}=${p.version}`], {
          cwd: debs,
          stdio: ["ignore", "ignore", "pipe"],
        });
      } catch (err) {
        throw new Error(
          `kernels/packages.json: ${p.package} ${p.version} (suite ${p.suite}) could not be downloaded: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}; ` +
            "expected a version the suite still has (apt-cache show names it)",
        );
      }
      const downloaded = fs
        .readdirSync(debs)
        .find(
          (f) =>
            f.startsWith(`${p.package}_`) &&
            f.includes(p.version.replace(/^\d+:/, "")) &&
            f.endsWith(`_${p.arch}.deb`) &&
            f !== path.basename(fileOf(p)),
        );
      if (downloaded) fs.renameSync(path.join(debs, downloaded), fileOf(p));
      const actual = sha256File(fileOf(p));
      if (actual !== p.sha256) {
        fs.rmSync(fileOf(p));
        throw new Error(`kernels/packages.json: ${p.package} ${p.version} has sha256 ${actual}; expected ${p.sha256}`);
      }
    }
  }
  return new Map(packages.map((p) => [p, fileOf(p)]));
}

/** Unpacks a .deb once into `dir` (dpkg-deb -x); returns dir. */
export function unpackDeb(deb: string, dir: string): string {
  const done = path.join(dir, ".unpacked");
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync("dpkg-deb", ["-x", deb, dir]);
    fs.writeFileSync(done, "");
  }
  return dir;
}
