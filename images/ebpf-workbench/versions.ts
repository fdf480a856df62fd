/**
 * The pinned versions of the workbench image, loaded from versions.json (the one table) and checked
 * (core/workbenchVersions.ts), and where the Dockerfile is. The Dockerfile's ARG defaults, the
 * WorkbenchImage component and the tests all come from here: a version bump is one edit of the
 * JSON (and the matching ARG default, which a test compares).
 */
import * as path from "path";
import { PinnedVersions, checkVersions } from "../../core/workbenchVersions";
import table from "./versions.json";

/** The Dockerfile's build context (this folder). */
export const WORKBENCH_CONTEXT = __dirname;
export const WORKBENCH_DOCKERFILE = path.join(__dirname, "Dockerfile");

export const PINNED: PinnedVersions = checkVersions({
  baseImage: table.baseImage.image,
  go: { version: table.go.version, sha256: { amd64: table.go.sha256.amd64, arm64: table.go.sha256.arm64 } },
  ciliumEbpf: {
    tag: table.ciliumEbpf.tag,
    goDirective: table.ciliumEbpf.goDirective,
    examplesGoMod: table.ciliumEbpf.examplesGoMod,
  },
  upstream: table.upstream,
  mainlandChinaMirrors: table.mainlandChinaMirrors,
});
