/**
 * Container registries and image references, as the workbench image and the pull secret need them
 * (pure: no Pulumi). Alibaba Cloud Container Registry (ACR) endpoints come in three forms
 * (docs/design.md#acs-facts), each with a `-vpc` variant reachable only from inside the region's VPC:
 *   registry[-intl][-vpc].<region>.aliyuncs.com                 personal edition (legacy)
 *   crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com           personal edition (new)
 *   <instance>-registry[-vpc].<region>.cr.aliyuncs.com          enterprise edition
 */
import { isDeferred } from "./deferred";
import { InputError } from "./errors";

type RegistryKind = "personal" | "personal-new" | "enterprise";

export interface AcrEndpoint {
  /** The host as given (lowercase). */
  server: string;
  kind: RegistryKind;
  /** e.g. cn-hangzhou, ap-southeast-1. */
  region: string;
  /** The VPC endpoint (pulls from ACS inside the region; not reachable from a laptop). */
  vpc: boolean;
  /** Personal legacy only: the `-intl` endpoint. */
  intl: boolean;
  /** The registry instance: `crpi-<id>` (personal new), `<instance>` (enterprise), or undefined (legacy personal: one per region). */
  instance?: string;
}

/** What the error messages list as accepted. */
const ACR_ENDPOINT_FORMS =
  "an Alibaba Cloud Container Registry host: registry[-intl][-vpc].<region>.aliyuncs.com (personal), " +
  "crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com (personal, new), or " +
  "<instance>-registry[-vpc].<region>.cr.aliyuncs.com (enterprise); host only, no scheme, port or path";

const REGION = "([a-z]{2}(?:-[a-z0-9]+)+)";
const PERSONAL = new RegExp(`^registry(-intl)?(-vpc)?\\.${REGION}\\.aliyuncs\\.com$`);
const PERSONAL_NEW = new RegExp(`^(crpi-[a-z0-9]+)(-vpc)?\\.${REGION}\\.personal\\.cr\\.aliyuncs\\.com$`);
const ENTERPRISE = new RegExp(`^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-registry(-vpc)?\\.${REGION}\\.cr\\.aliyuncs\\.com$`);

/** Parses an ACR host; undefined when it is none of the three forms. */
export function parseAcrEndpoint(server: string): AcrEndpoint | undefined {
  let m = PERSONAL.exec(server);
  if (m) return { server, kind: "personal", intl: !!m[1], vpc: !!m[2], region: m[3] };
  m = PERSONAL_NEW.exec(server);
  if (m) return { server, kind: "personal-new", instance: m[1], vpc: !!m[2], region: m[3], intl: false };
  m = ENTERPRISE.exec(server);
  // "crpi-…-registry" is not a thing, but a legacy personal host never matches here: it lacks ".cr.".
  if (m) return { server, kind: "enterprise", instance: m[1], vpc: !!m[2], region: m[3], intl: false };
  return undefined;
}

/** Validates a registry server against the ACR endpoint forms; the error says what is wrong and what is accepted. */
export function validateRegistryServer(server: unknown, input: string): AcrEndpoint {
  if (typeof server !== "string" || server.trim() === "") {
    throw new InputError(input, server, ACR_ENDPOINT_FORMS);
  }
  const endpoint = parseAcrEndpoint(server);
  if (endpoint) return endpoint;
  throw new InputError(input, server, ACR_ENDPOINT_FORMS, diagnoseServer(server));
}

function diagnoseServer(server: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) return "remove the scheme: give the host only";
  if (server !== server.toLowerCase()) return "registry hosts are lowercase";
  if (server.includes("/")) return "give the host only; the repository path belongs in the image name";
  if (/:\d+$/.test(server)) return "ACR endpoints take no port";
  if (/(^|\.)docker\.io$|ghcr\.io$|gcr\.io$|quay\.io$/.test(server)) {
    return "acs-ebpf pushes to Alibaba Cloud Container Registry; other registries are not supported";
  }
  if (server.endsWith("aliyuncs.com"))
    return "not one of the ACR endpoint forms (check the edition, region and -vpc suffix)";
  return undefined;
}

/**
 * Whether two endpoints are the same registry (same edition, region and instance), e.g. the
 * public endpoint a build pushes to and the `-vpc` endpoint the pods pull from.
 */
export function sameRegistry(a: AcrEndpoint, b: AcrEndpoint): boolean {
  return a.kind === b.kind && a.region === b.region && a.instance === b.instance;
}

/** A parsed image reference `[host/]path[:tag][@sha256:<64 hex>]`. */
export interface ImageReference {
  /** The registry host, when the first path component is one (contains `.` or `:`, or is `localhost`). */
  registry?: string;
  /** The repository path without the host, e.g. `team/ebpf-workbench`. */
  path: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$/;

export const IMAGE_REFERENCE_FORM =
  "an image reference [host/]repository[:tag][@sha256:<64 hex>] with a lowercase repository path";
const DIGEST_REFERENCE_FORM =
  "an image reference by digest, e.g. registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@sha256:<64 hex>";

// An Alibaba Cloud account or RAM user name (`dev@1234567890123456`, `ci@team.onaliyun.com`):
// nothing a shell, a YAML file or a docker config would read as more than a name.
const REGISTRY_USERNAME = /^[A-Za-z0-9][A-Za-z0-9@._+-]{0,254}$/;
const REGISTRY_USERNAME_FORM =
  "a registry user name: 1-255 letters, digits and @ . _ + - (an Alibaba Cloud account or RAM user name)";
/** distribution/reference: a repository name is at most 255 characters. */
const MAX_NAME_LENGTH = 255;

/**
 * Registry credentials as given (plain strings are checked; Outputs are checked by the registry).
 * The password may hold any character: it only ever travels base64-encoded in a Secret or to the
 * registry API, never on a command line.
 */
export function checkRegistryCredentials(username: unknown, password: unknown, prefix = ""): InputError[] {
  const errors: InputError[] = [];
  if (username === undefined || username === "" || (typeof username !== "string" && !isDeferred(username)))
    errors.push(new InputError(`${prefix}username`, username, "the registry user name"));
  else if (typeof username === "string" && !REGISTRY_USERNAME.test(username))
    errors.push(new InputError(`${prefix}username`, username, REGISTRY_USERNAME_FORM));
  if (password === undefined || password === "" || (typeof password !== "string" && !isDeferred(password)))
    errors.push(
      new InputError(`${prefix}password`, "(empty)", "the registry password, e.g. from `pulumi config set --secret`"),
    );
  return errors;
}

/** Parses an image reference; throws an InputError naming `input` when it is not one. */
export function parseImageReference(ref: unknown, input: string): ImageReference {
  if (typeof ref !== "string" || ref.trim() === "") throw new InputError(input, ref, IMAGE_REFERENCE_FORM);
  if (ref !== ref.trim() || /\s/.test(ref))
    throw new InputError(input, ref, IMAGE_REFERENCE_FORM, "contains whitespace");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new InputError(
        input,
        ref,
        IMAGE_REFERENCE_FORM,
        `the digest ${JSON.stringify(digest)} is not sha256: followed by 64 lowercase hex characters`,
      );
    }
  }
  if (rest.length > MAX_NAME_LENGTH)
    throw new InputError(
      input,
      `${ref.slice(0, 40)}… (${ref.length} characters)`,
      IMAGE_REFERENCE_FORM,
      `the name is longer than ${MAX_NAME_LENGTH} characters`,
    );
  const components = rest.split("/");
  let registry: string | undefined;
  if (
    components.length > 1 &&
    (components[0].includes(".") || components[0].includes(":") || components[0] === "localhost")
  ) {
    registry = components.shift();
    if (!HOST.test(registry ?? ""))
      throw new InputError(input, ref, IMAGE_REFERENCE_FORM, `${JSON.stringify(registry)} is not a registry host`);
  }
  let tag: string | undefined;
  const last = components[components.length - 1];
  const colon = last.indexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    components[components.length - 1] = last.slice(0, colon);
    if (!TAG.test(tag))
      throw new InputError(input, ref, IMAGE_REFERENCE_FORM, `the tag ${JSON.stringify(tag)} is not a valid tag`);
  }
  for (const c of components) {
    if (!PATH_COMPONENT.test(c)) {
      throw new InputError(
        input,
        ref,
        IMAGE_REFERENCE_FORM,
        `the repository component ${JSON.stringify(c)} is not lowercase letters, digits and separators`,
      );
    }
  }
  return { registry, path: components.join("/"), tag, digest };
}

/** Formats a parsed reference back to a string. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry ? `${ref.registry}/` : ""}${ref.path}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** An image reference that must be pinned by digest (`repo@sha256:…` or `repo:tag@sha256:…`). */
export function requireDigestReference(ref: unknown, input: string): ImageReference & { digest: string } {
  const parsed = parseImageReference(ref, input);
  if (!parsed.digest) {
    const why = !parsed.tag
      ? "no tag and no digest: the registry would serve whatever `latest` is at pull time"
      : parsed.tag === "latest"
        ? "`latest` moves; a Deployment that names it does not roll out when the image changes"
        : `the tag ${JSON.stringify(parsed.tag)} can be re-pushed; pin the digest (docker buildx imagetools inspect ${ref})`;
    throw new InputError(input, ref, DIGEST_REFERENCE_FORM, why);
  }
  return parsed as ImageReference & { digest: string };
}

/**
 * An image pinned by digest, or, when the caller opted in, by a fixed tag (not `latest`, not none).
 * Throws an InputError naming `input` otherwise.
 */
export function requirePinnedReference(ref: unknown, input: string, allowTag: boolean): ImageReference {
  if (!allowTag) return requireDigestReference(ref, input);
  const parsed = parseImageReference(ref, input);
  if (!parsed.digest && (!parsed.tag || parsed.tag === "latest"))
    throw new InputError(
      input,
      ref,
      "a reference by digest (repo@sha256:<64 hex>) or by a fixed tag",
      "`latest` or no tag moves under the Deployment",
    );
  return parsed;
}

/** A repository to push to: a host and a path, no tag or digest (the tag is a separate input). */
export function parseRepository(ref: unknown, input: string): ImageReference & { registry: string } {
  const parsed = parseImageReference(ref, input);
  const accepted =
    "a repository with its registry host and no tag, e.g. registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench";
  if (parsed.tag || parsed.digest)
    throw new InputError(
      input,
      ref,
      accepted,
      "give the tag separately (or leave it to the default); the digest is an output of the build",
    );
  if (!parsed.registry)
    throw new InputError(input, ref, accepted, "the registry host is missing, so the push would go to Docker Hub");
  return parsed as ImageReference & { registry: string };
}

/** A tag to push under: valid, and not `latest` (a moving tag is no pin). */
export function validateTag(tag: unknown, input: string): string {
  const accepted = "a tag of letters, digits, `_`, `.` and `-` (at most 128), other than latest";
  if (typeof tag !== "string" || !TAG.test(tag)) throw new InputError(input, tag, accepted);
  if (tag.toLowerCase() === "latest")
    throw new InputError(input, tag, accepted, "`latest` moves; name what the image holds");
  return tag;
}

/**
 * The `.dockerconfigjson` payload of a `kubernetes.io/dockerconfigjson` Secret for one registry.
 * Returns a JSON string; it holds the password: keep it secret.
 */
export function dockerConfigJson(server: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}
