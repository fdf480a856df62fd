/**
 * What the heavier suites need beyond Node and npm, checked before they start: each missing one is
 * named with how to get it, and the suite exits non-zero (no test skips itself silently).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Prerequisite {
  /** What is needed, as a person would name it. */
  name: string;
  /** Undefined when present; else what was found instead. */
  check(): string | undefined;
  howToGet: string;
}

/** The first executable called `name` on PATH (plus `extraDirs`), or undefined. */
export function findOnPath(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function command(name: string, howToGet: string, extraDirs: readonly string[] = []): Prerequisite {
  return {
    name: `\`${name}\` on PATH`,
    check: () => (findOnPath(name, extraDirs) ? undefined : "not found"),
    howToGet,
  };
}

export const ROOT_USER: Prerequisite = {
  name: "root (the fake pod's processes get and drop real capabilities)",
  check: () => {
    const uid = process.getuid?.();
    return uid === 0 ? undefined : `running as uid ${uid ?? "(unknown: not Linux)"}`;
  },
  howToGet: "run it as root, e.g. `sudo npm run test:integration` (CI runs as root)",
};

export const LINUX: Prerequisite = {
  name: "Linux (/proc/self/status)",
  check: () => (fs.existsSync("/proc/self/status") ? undefined : `platform ${process.platform}`),
  howToGet: "run it on Linux (a VM or container will do)",
};

/** `setpriv --bounding-set` (util-linux 2.33+). */
export const SETPRIV: Prerequisite = {
  name: "`setpriv` with --bounding-set (util-linux)",
  check: () => {
    const file = findOnPath("setpriv");
    if (!file) return "not found";
    const help = spawnSync(file, ["--help"], { encoding: "utf8" });
    return `${help.stdout}`.includes("--bounding-set") ? undefined : `${file} has no --bounding-set`;
  },
  howToGet: "apt-get install util-linux (Debian/Ubuntu), dnf install util-linux (Fedora)",
};

/** python3 with venv and ensurepip (the Python consumer's virtual environment). */
export const PYTHON_VENV: Prerequisite = {
  name: "python3 with venv",
  check: () => {
    if (!findOnPath("python3")) return "python3 not found";
    const r = spawnSync("python3", ["-c", "import ensurepip, venv"], { encoding: "utf8" });
    return r.status === 0 ? undefined : "python3 has no venv/ensurepip";
  },
  howToGet: "apt-get install python3-venv (Debian/Ubuntu)",
};

export const C_COMPILER = command("cc", "apt-get install gcc libc6-dev (Debian/Ubuntu), dnf install gcc (Fedora)");

/** The names and remedies of the prerequisites that are missing (empty when all are there). */
export function missingPrerequisites(needed: readonly Prerequisite[]): string[] {
  const missing: string[] = [];
  for (const p of needed) {
    const found = p.check();
    if (found !== undefined) missing.push(`  - ${p.name}: ${found}. To get it: ${p.howToGet}`);
  }
  return missing;
}

/** Prints each missing prerequisite and exits 2, or returns when all are there. */
export function requirePrerequisites(suite: string, needed: readonly Prerequisite[]): void {
  const missing = missingPrerequisites(needed);
  if (missing.length === 0) return;
  console.error(`${suite} cannot run; missing:\n${missing.join("\n")}`);
  process.exit(2);
}
