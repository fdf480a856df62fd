/**
 * The workbench image plan: validates the image inputs (existing image by digest, or a build
 * pushed to ACR) and decides the build's platform, tag, build args and hosts. Pure: the
 * WorkbenchImage component and the stack config both use it before registering anything.
 */
import type { Input } from "@pulumi/pulumi";
import { InputError, InputErrorList, oneOf } from "./errors";
import { ARCHITECTURES, Architecture } from "./kernel";
import {
  AcrEndpoint,
  checkRegistryCredentials,
  formatImageReference,
  parseImageReference,
  parseRepository,
  requireDigestReference,
  sameRegistry,
  validateRegistryServer,
  validateTag,
} from "./registry";
import { Mirrors, PinnedVersions, defaultImageTag, workbenchBuildArgs } from "./workbenchVersions";

/** Credentials of the registry the image is pushed to. */
export interface WorkbenchRegistryArgs {
  /** ACR host, e.g. `registry.cn-hangzhou.aliyuncs.com` (validated against the ACR endpoint forms). */
  server: string;
  /** Registry user name (ACR: the account or RAM user name shown on the access credentials page). */
  username: Input<string>;
  /** Registry password. Always handled as a secret, even when given as a plain string. */
  password: Input<string>;
}

/**
 * How to build the workbench image and where to push it (an EbpfWorkbench's `build`). Plain values
 * (not Inputs) where they are validated: a bad value fails when the component is constructed,
 * before any resource is registered.
 */
export interface WorkbenchBuildArgs {
  /** Repository to push to, with its registry host and no tag, e.g. `registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench`. Required when building. */
  repository?: string;
  /** Registry to push to; its server must be the repository's host. Required when building. */
  registry?: WorkbenchRegistryArgs;
  /**
   * The registry host the pods pull from, when it differs from the push host: typically the `-vpc`
   * endpoint of the same registry (pushes from outside the VPC use the public endpoint). The output
   * `imageRef` names this host. Default: the push host.
   */
  pullRegistryServer?: string;
  /** Tag to push under (default: `go<version>-cilium-ebpf-<tag>-<arch>` from versions.json); `latest` is rejected. */
  tag?: string;
  /** Download locations for mainland China and other restricted networks; each defaults to upstream (versions.json). */
  mirrors?: Partial<Mirrors>;
  /** Image references whose layers seed the build cache (e.g. the previous push of the same repository). */
  cacheFrom?: string[];
  /** Run a blanket `yum update` in the build (default false: reproducible package set of the pinned base image). */
  yumUpdate?: boolean;
}

/** Arguments of the workbench image: an existing image, or a build (WorkbenchBuildArgs) for an architecture. */
export interface WorkbenchImageArgs extends WorkbenchBuildArgs {
  /**
   * Use this image instead of building one: a reference by digest (`repo@sha256:<64 hex>`).
   * When set, nothing is built or pushed, and `repository`, `registry`, `tag`, `mirrors`,
   * `cacheFrom` and `yumUpdate` must not be set.
   */
  existingImage?: string;
  /** Target architecture: amd64 (default) or arm64; the build platform is `linux/<arch>`. */
  architecture?: string;
}

/** The validated plan of a WorkbenchImage (plain values), e.g. for tests and `render`. */
export type WorkbenchImagePlan =
  | { mode: "existing"; imageRef: string }
  | {
      mode: "build";
      architecture: Architecture;
      platform: string;
      imageName: string;
      pushServer: string;
      pullServer: string;
      buildArgs: Record<string, string>;
      cacheFrom: string[];
    };

const URL_FORM = "an http(s) URL";

/** Validates the arguments and decides what to build; throws InputErrors listing every bad input. */
export function planWorkbenchImage(args: WorkbenchImageArgs, versions: PinnedVersions): WorkbenchImagePlan {
  const bad = new InputErrorList();
  const errors = bad.errors;
  const attempt = <T>(f: () => T): T | undefined => bad.attempt(f);

  if (args.existingImage !== undefined) {
    const ref = attempt(() => requireDigestReference(args.existingImage, "existingImage"));
    const buildOnly = (
      ["repository", "registry", "tag", "mirrors", "cacheFrom", "yumUpdate", "pullRegistryServer"] as const
    ).filter((k) => args[k] !== undefined);
    if (buildOnly.length > 0) {
      errors.push(
        new InputError(
          buildOnly.join(", "),
          Object.fromEntries(buildOnly.map((k) => [k, k === "registry" ? "(set)" : args[k]])),
          "nothing else when existingImage is set",
          "these inputs only apply to a build, and existingImage means no build",
        ),
      );
    }
    bad.throwIfAny();
    return { mode: "existing", imageRef: formatImageReference(ref!) };
  }

  const architecture = args.architecture ?? "amd64";
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    errors.push(new InputError("architecture", args.architecture, oneOf(ARCHITECTURES)));
  }
  let endpoint: AcrEndpoint | undefined;
  if (args.registry === undefined) {
    errors.push(
      new InputError(
        "registry",
        undefined,
        "{ server, username, password } of the registry to push to",
        "required to build (or set existingImage)",
      ),
    );
  } else {
    endpoint = attempt(() => validateRegistryServer(args.registry!.server, "registry.server"));
    errors.push(...checkRegistryCredentials(args.registry.username, args.registry.password, "registry."));
  }
  const repository =
    args.repository === undefined
      ? (errors.push(
          new InputError(
            "repository",
            undefined,
            "a repository such as registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
            "required to build (or set existingImage)",
          ),
        ),
        undefined)
      : attempt(() => parseRepository(args.repository, "repository"));
  if (repository && endpoint && repository.registry !== endpoint.server) {
    errors.push(
      new InputError(
        "repository",
        args.repository,
        `a repository on registry.server ${endpoint.server}`,
        `its host ${repository.registry} is not the registry the credentials are for`,
      ),
    );
  }
  let pullServer = endpoint?.server;
  if (args.pullRegistryServer !== undefined) {
    const pull = attempt(() => validateRegistryServer(args.pullRegistryServer, "pullRegistryServer"));
    if (pull && endpoint && !sameRegistry(pull, endpoint)) {
      errors.push(
        new InputError(
          "pullRegistryServer",
          args.pullRegistryServer,
          `an endpoint of the same registry as ${endpoint.server} (e.g. its -vpc variant)`,
          "the pods would pull from a registry the image was never pushed to",
        ),
      );
    }
    pullServer = pull?.server;
  }
  const tag =
    args.tag === undefined
      ? defaultImageTag(architecture as Architecture, versions)
      : attempt(() => validateTag(args.tag, "tag"));
  const mirrorKeys = ["goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl"];
  if (
    args.mirrors !== undefined &&
    (typeof args.mirrors !== "object" ||
      args.mirrors === null ||
      Array.isArray(args.mirrors) ||
      Object.keys(args.mirrors).length === 0)
  ) {
    errors.push(
      new InputError(
        "mirrors",
        args.mirrors,
        `an object with ${oneOf(mirrorKeys).replace("one of", "some of")} (leave it unset for upstream)`,
      ),
    );
  }
  if (args.yumUpdate !== undefined && typeof args.yumUpdate !== "boolean")
    errors.push(new InputError("yumUpdate", args.yumUpdate, "true or false"));
  for (const [key, value] of Object.entries(
    typeof args.mirrors === "object" && args.mirrors !== null ? args.mirrors : {},
  )) {
    if (!["goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl"].includes(key)) {
      errors.push(
        new InputError(
          `mirrors.${key}`,
          value,
          oneOf(["goDownloadBaseUrl", "goproxy", "ciliumEbpfGitUrl"]).replace("one of", "a key among"),
        ),
      );
    } else if (typeof value !== "string" || !validMirror(key, value)) {
      errors.push(
        new InputError(
          `mirrors.${key}`,
          value,
          key === "goproxy" ? "a GOPROXY list of http(s) URLs, `direct` or `off`, separated by , or |" : URL_FORM,
        ),
      );
    }
  }
  if (args.cacheFrom !== undefined && (!Array.isArray(args.cacheFrom) || args.cacheFrom.length === 0)) {
    errors.push(
      new InputError(
        "cacheFrom",
        args.cacheFrom,
        "a non-empty list of image references (leave it unset for no cache seed)",
      ),
    );
  }
  const cacheFrom = (Array.isArray(args.cacheFrom) ? args.cacheFrom : []).map((ref, i) =>
    attempt(() => parseImageReference(ref, `cacheFrom[${i}]`)),
  );
  bad.throwIfAny();

  return {
    mode: "build",
    architecture: architecture as Architecture,
    platform: `linux/${architecture}`,
    imageName: `${formatImageReference(repository!)}:${tag}`,
    pushServer: endpoint!.server,
    pullServer: pullServer!,
    buildArgs: workbenchBuildArgs(args.mirrors ?? {}, versions, { yumUpdate: args.yumUpdate === true }),
    cacheFrom: cacheFrom.map((r) => formatImageReference(r!)),
  };
}

function validMirror(key: string, value: string): boolean {
  const isUrl = (s: string) => {
    try {
      const u = new URL(s);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  };
  if (key === "goproxy") return value.split(/[,|]/).every((p) => p === "direct" || p === "off" || isUrl(p));
  return isUrl(value);
}

/**
 * `repoDigest` as reported after the push → the reference the pods pull: by digest, on the pull
 * host. Throws when the build did not produce a digest (e.g. the push was skipped).
 */
export function pullReferenceFromRepoDigest(
  repoDigest: string | undefined,
  pushServer: string,
  pullServer: string,
): string {
  if (!repoDigest) throw new Error("the image build reported no repoDigest: was the image pushed?");
  const parsed = parseImageReference(repoDigest, "repoDigest");
  if (!parsed.digest)
    throw new Error(
      `the image build reported ${JSON.stringify(repoDigest)}, not a reference by digest: was the image pushed?`,
    );
  const registry = parsed.registry === pushServer || parsed.registry === undefined ? pullServer : parsed.registry;
  return formatImageReference({ registry, path: parsed.path, digest: parsed.digest });
}
