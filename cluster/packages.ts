/**
 * The Debian packages of the cluster (cluster/packages.json), fetched and checked by sha256 the way
 * the kernel matrix fetches its kernels (kernels/debianPackages.ts), and unpacked once into the cache.
 */
import * as path from "path";
import { DebianPackage, KERNEL_PACKAGES, KernelPackage, fetchPackages, unpackDeb } from "../kernels/debianPackages";
import table from "./packages.json";

export const GUEST_PACKAGES: readonly DebianPackage[] = table.guest;
export const HOST_PACKAGES: readonly DebianPackage[] = table.host;
export const IMAGE_PACKAGES: readonly DebianPackage[] = table.image;

/** The kernels a node boots: `--kernel` names them by their major.minor. */
export const NODE_KERNELS: Readonly<Record<string, string>> = {
  "6.12": "6.12.117+deb13-cloud-amd64",
  "5.10": "5.10.0-32-cloud-amd64",
};

export function kernelPackage(release: string): KernelPackage {
  const k = KERNEL_PACKAGES.find((p) => p.release === release);
  if (!k)
    throw new Error(
      `kernels/packages.json has no kernel ${release}; expected one of ${KERNEL_PACKAGES.map((p) => p.release).join(", ")}`,
    );
  return k;
}

/** Fetches (cached, sha256-checked) and unpacks every package of the list; returns name → folder. */
export function unpackedPackages(
  cacheDir: string,
  packages: readonly DebianPackage[],
  log: (line: string) => void,
): Map<string, string> {
  const debs = fetchPackages(cacheDir, packages, log);
  return new Map(
    packages.map((p) => [
      p.package,
      unpackDeb(debs.get(p)!, path.join(cacheDir, "unpacked", `${p.package}-${p.sha256.slice(0, 12)}`)),
    ]),
  );
}
