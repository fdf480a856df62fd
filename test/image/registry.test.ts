import { InputError } from "../../core/errors";
import {
  dockerConfigJson,
  parseAcrEndpoint,
  parseImageReference,
  parseRepository,
  requireDigestReference,
  sameRegistry,
  validateRegistryServer,
  validateTag,
} from "../../core/registry";

const DIGEST = `sha256:${"ab12".repeat(16)}`;

function errorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError, nothing was thrown");
}

describe("ACR registry servers", () => {
  test.each([
    ["registry.cn-hangzhou.aliyuncs.com", { kind: "personal", region: "cn-hangzhou", vpc: false, intl: false }],
    ["registry-vpc.cn-hangzhou.aliyuncs.com", { kind: "personal", region: "cn-hangzhou", vpc: true, intl: false }],
    [
      "registry-intl.ap-southeast-1.aliyuncs.com",
      { kind: "personal", region: "ap-southeast-1", vpc: false, intl: true },
    ],
    [
      "registry-intl-vpc.eu-central-1.aliyuncs.com",
      { kind: "personal", region: "eu-central-1", vpc: true, intl: true },
    ],
    [
      "crpi-abc123xyz.cn-shanghai.personal.cr.aliyuncs.com",
      { kind: "personal-new", region: "cn-shanghai", vpc: false, instance: "crpi-abc123xyz" },
    ],
    [
      "crpi-abc123xyz-vpc.cn-shanghai.personal.cr.aliyuncs.com",
      { kind: "personal-new", region: "cn-shanghai", vpc: true, instance: "crpi-abc123xyz" },
    ],
    [
      "myteam-registry.cn-beijing.cr.aliyuncs.com",
      { kind: "enterprise", region: "cn-beijing", vpc: false, instance: "myteam" },
    ],
    [
      "my-team-registry-vpc.cn-beijing.cr.aliyuncs.com",
      { kind: "enterprise", region: "cn-beijing", vpc: true, instance: "my-team" },
    ],
  ])("%s is accepted", (server, expected) => {
    expect(validateRegistryServer(server, "registry.server")).toMatchObject({ server, ...expected });
  });

  test.each([
    ["https://registry.cn-hangzhou.aliyuncs.com", /remove the scheme/],
    ["registry.cn-hangzhou.aliyuncs.com/team", /host only/],
    ["Registry.cn-hangzhou.aliyuncs.com", /lowercase/],
    ["registry.cn-hangzhou.aliyuncs.com:443", /no port/],
    ["docker.io", /other registries are not supported/],
    ["ghcr.io", /other registries are not supported/],
    ["registry-vpc-intl.cn-hangzhou.aliyuncs.com", /not one of the ACR endpoint forms/],
    ["crpi-abc.cn-hangzhou.cr.aliyuncs.com", /not one of the ACR endpoint forms/],
    ["myteam.cn-beijing.cr.aliyuncs.com", /not one of the ACR endpoint forms/],
    ["registry.aliyuncs.com", /not one of the ACR endpoint forms/],
    ["", /expected an Alibaba Cloud Container Registry host/],
  ])("%s is rejected, naming the input, the value and the accepted forms", (server, why) => {
    const error = errorOf(() => validateRegistryServer(server, "registry.server"));
    expect(error.input).toBe("registry.server");
    expect(error.value).toBe(server);
    expect(error.message).toContain(`registry.server: ${JSON.stringify(server)}`);
    expect(error.message).toContain("registry[-intl][-vpc].<region>.aliyuncs.com");
    expect(error.message).toContain("crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com");
    expect(error.message).toContain("<instance>-registry[-vpc].<region>.cr.aliyuncs.com");
    expect(error.message).toMatch(why);
  });

  test("a -vpc endpoint is the same registry as its public one; another region or instance is not", () => {
    const pub = parseAcrEndpoint("myteam-registry.cn-beijing.cr.aliyuncs.com")!;
    expect(sameRegistry(pub, parseAcrEndpoint("myteam-registry-vpc.cn-beijing.cr.aliyuncs.com")!)).toBe(true);
    expect(sameRegistry(pub, parseAcrEndpoint("other-registry-vpc.cn-beijing.cr.aliyuncs.com")!)).toBe(false);
    expect(sameRegistry(pub, parseAcrEndpoint("myteam-registry-vpc.cn-shanghai.cr.aliyuncs.com")!)).toBe(false);
    expect(
      sameRegistry(
        parseAcrEndpoint("registry.cn-hangzhou.aliyuncs.com")!,
        parseAcrEndpoint("registry-vpc.cn-hangzhou.aliyuncs.com")!,
      ),
    ).toBe(true);
  });
});

describe("image references", () => {
  test.each([
    [
      "registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@" + DIGEST,
      {
        registry: "registry-vpc.cn-hangzhou.aliyuncs.com",
        path: "team/ebpf-workbench",
        tag: undefined,
        digest: DIGEST,
      },
    ],
    [
      "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:v1@" + DIGEST,
      { registry: "registry.cn-hangzhou.aliyuncs.com", path: "team/ebpf-workbench", tag: "v1", digest: DIGEST },
    ],
    ["localhost:5000/a/b:1.0", { registry: "localhost:5000", path: "a/b", tag: "1.0", digest: undefined }],
    ["alinux3/alinux3:231220.1", { registry: undefined, path: "alinux3/alinux3", tag: "231220.1", digest: undefined }],
  ])("%s parses", (ref, expected) => {
    expect(parseImageReference(ref, "image")).toEqual(expected);
  });

  test.each([
    ["team/Ebpf:v1", /repository component "Ebpf"/],
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf@sha256:abc", /not sha256: followed by 64/],
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf@md5:" + "a".repeat(32), /not sha256: followed by 64/],
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf:-bad", /tag "-bad" is not a valid tag/],
    [" team/ebpf:v1", /whitespace/],
  ])("%s is rejected", (ref, why) => {
    const error = errorOf(() => parseImageReference(ref, "existingImage"));
    expect(error.message).toContain(`existingImage: ${JSON.stringify(ref)} is not accepted`);
    expect(error.message).toMatch(why);
  });

  test.each([
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench", /no tag and no digest/],
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:latest", /`latest` moves/],
    ["registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:v1", /can be re-pushed; pin the digest/],
  ])("where a pin is required, %s is rejected", (ref, why) => {
    const error = errorOf(() => requireDigestReference(ref, "existingImage"));
    expect(error.input).toBe("existingImage");
    expect(error.message).toContain("by digest");
    expect(error.message).toMatch(why);
  });

  test("a digest reference is a pin", () => {
    expect(
      requireDigestReference(`registry.cn-hangzhou.aliyuncs.com/team/ebpf@${DIGEST}`, "existingImage").digest,
    ).toBe(DIGEST);
  });

  test("a push repository has a host and no tag; tags are never latest", () => {
    expect(parseRepository("registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench", "repository").registry).toBe(
      "registry.cn-hangzhou.aliyuncs.com",
    );
    expect(errorOf(() => parseRepository("team/ebpf-workbench", "repository")).message).toMatch(/host is missing/);
    expect(
      errorOf(() => parseRepository("registry.cn-hangzhou.aliyuncs.com/team/ebpf:v1", "repository")).message,
    ).toMatch(/give the tag separately/);
    expect(errorOf(() => validateTag("latest", "tag")).message).toMatch(/tag: "latest" is not accepted/);
    expect(errorOf(() => validateTag("LATEST", "tag")).message).toMatch(/`latest` moves/);
    expect(validateTag("go1.27.2-cilium-ebpf-v0.20.0-amd64", "tag")).toBe("go1.27.2-cilium-ebpf-v0.20.0-amd64");
  });
});

describe("dockerconfigjson", () => {
  test("carries the server, the user and base64(user:password)", () => {
    const json = JSON.parse(dockerConfigJson("registry-vpc.cn-hangzhou.aliyuncs.com", "dev@team", "p:ss wörd"));
    const entry = json.auths["registry-vpc.cn-hangzhou.aliyuncs.com"];
    expect(entry.username).toBe("dev@team");
    expect(entry.password).toBe("p:ss wörd");
    expect(Buffer.from(entry.auth, "base64").toString("utf8")).toBe("dev@team:p:ss wörd");
    expect(Object.keys(json.auths)).toEqual(["registry-vpc.cn-hangzhou.aliyuncs.com"]);
  });
});
