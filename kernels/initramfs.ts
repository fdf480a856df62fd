/**
 * Initramfs archives in the kernel's `newc` cpio format, written without a cpio tool. The kernel
 * unpacks concatenated archives in order, later files replacing earlier ones: a base archive plus
 * an overlay per boot. Pure module.
 */

export type InitramfsEntry =
  | { path: string; type: "file"; data: Buffer; mode?: number }
  | { path: string; type: "dir"; mode?: number }
  | { path: string; type: "symlink"; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function record(ino: number, name: string, mode: number, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  const header = Buffer.from(
    "070701" + [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex8).join(""),
    "ascii",
  );
  const head = Buffer.concat([header, nameBytes]);
  return Buffer.concat([head, pad4(head.length), data, pad4(data.length)]);
}

/** One archive; parent directories are added when missing; paths are made relative (no leading /). */
export function buildCpio(entries: readonly InitramfsEntry[]): Buffer {
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, data: Buffer) => {
    seen.add(name);
    parts.push(record(ino++, name, mode, data));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, "");
    if (name === "" || name.split("/").includes(".."))
      throw new Error(`initramfs path ${JSON.stringify(e.path)}: expected an absolute path without ..`);
    const dirs = name.split("/").slice(0, -1);
    for (let i = 1; i <= dirs.length; i++) {
      const dir = dirs.slice(0, i).join("/");
      if (!seen.has(dir)) add(dir, S_IFDIR | 0o755, Buffer.alloc(0));
    }
    if (e.type === "dir") add(name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
    else if (e.type === "symlink") add(name, S_IFLNK | 0o777, Buffer.from(e.target, "utf8"));
    else add(name, S_IFREG | (e.mode ?? 0o644), e.data);
  }
  parts.push(record(0, "TRAILER!!!", 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
