/**
 * WorkbenchImage and ImagePullSecret under pulumi.runtime.setMocks: what they register, what they
 * output, and that the registry password never leaves secret wrapping.
 */
import { installMocks, mockOutputs, registered, settle, valueOf } from "../support/pulumiMocks";
import * as pulumi from "@pulumi/pulumi";
import { InputErrors } from "../../core/errors";
import { ImagePullSecret } from "../../components/imagePullSecret";
import { WorkbenchImage, pullReferenceFromRepoDigest } from "../../components/workbenchImage";
import { workbenchBuildArgs } from "../../core/workbenchVersions";
import { PINNED, WORKBENCH_CONTEXT, WORKBENCH_DOCKERFILE } from "../../images/ebpf-workbench/versions";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const PASSWORD = "s3cr3t-Pa55";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

installMocks(false);
// The docker provider reports the pushed manifest digest as repository@sha256:… (no tag).
mockOutputs["docker:index/image:Image"] = (inputs) => ({
  repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${DIGEST}`,
});

function isRpcSecret(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === SECRET_SIG
  );
}

/** Every plaintext string in a value, skipping secret-wrapped parts. */
function plaintextStrings(v: unknown): string[] {
  if (isRpcSecret(v)) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(plaintextStrings);
  if (v && typeof v === "object") return Object.values(v).flatMap(plaintextStrings);
  return [];
}

/** The inputs the mocks received for the first resource of a type (untyped JSON, as the engine sees it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function inputsOf(type: string): any {
  const resource = registered.find((r) => r.type === type);
  if (!resource) throw new Error(`no ${type} was registered`);
  return resource.inputs;
}

beforeEach(() => {
  registered.length = 0;
});

const BUILD = {
  repository: "registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench",
  registry: { server: "registry.cn-hangzhou.aliyuncs.com", username: "dev@team", password: PASSWORD },
};

describe("WorkbenchImage, building", () => {
  test("registers one docker Image with the pinned build args, platform, context and registry", async () => {
    const image = new WorkbenchImage("wb", {
      ...BUILD,
      architecture: "arm64",
      mirrors: { goDownloadBaseUrl: "https://mirrors.aliyun.com/golang/", goproxy: "https://goproxy.cn,direct" },
      cacheFrom: ["registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:cache"],
    });
    await valueOf(image.imageRef);
    await settle();
    const builds = registered.filter((r) => r.type === "docker:index/image:Image");
    expect(builds).toHaveLength(1);
    const inputs = inputsOf("docker:index/image:Image");
    expect(inputs.imageName).toBe(
      `registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:go${PINNED.go.version}-cilium-ebpf-${PINNED.ciliumEbpf.tag}-arm64`,
    );
    expect(inputs.build.platform).toBe("linux/arm64");
    expect(inputs.build.context).toBe(WORKBENCH_CONTEXT);
    expect(inputs.build.dockerfile).toBe(WORKBENCH_DOCKERFILE);
    expect(inputs.build.args).toEqual({
      ...workbenchBuildArgs({}, PINNED),
      GO_DOWNLOAD_BASE_URL: "https://mirrors.aliyun.com/golang/",
      GOPROXY: "https://goproxy.cn,direct",
    });
    expect(inputs.build.args.GO_SHA256_ARM64).toBe(PINNED.go.sha256.arm64);
    expect(inputs.build.cacheFrom).toEqual({ images: ["registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench:cache"] });
    // The registry block holds the password, so the whole block travels as a secret.
    expect(isRpcSecret(inputs.registry)).toBe(true);
    expect(inputs.registry.value).toEqual({
      server: "registry.cn-hangzhou.aliyuncs.com",
      username: "dev@team",
      password: PASSWORD,
    });
    // The component type and parentage.
    expect(registered.find((r) => r.type === "acs-ebpf:index:WorkbenchImage")?.name).toBe("wb");
  });

  test("the password reaches the build only as a secret, and appears in no output", async () => {
    const image = new WorkbenchImage("wb", BUILD);
    const ref = await valueOf(image.imageRef);
    await settle();
    const inputs = inputsOf("docker:index/image:Image");
    expect(isRpcSecret(inputs.registry)).toBe(true);
    expect(inputs.registry.value.password).toBe(PASSWORD);
    expect(plaintextStrings(inputs)).not.toContain(PASSWORD);
    expect(ref).not.toContain(PASSWORD);
    expect(await pulumi.isSecret(image.imageRef)).toBe(false);
  });

  test("a password given as a secret Output stays secret", async () => {
    new WorkbenchImage("wb", { ...BUILD, registry: { ...BUILD.registry, password: pulumi.secret(PASSWORD) } });
    await settle();
    await settle();
    const inputs = inputsOf("docker:index/image:Image");
    expect(isRpcSecret(inputs.registry)).toBe(true);
    expect(plaintextStrings(inputs)).not.toContain(PASSWORD);
  });

  test("imageRef is the pushed digest (no tag), on the pull host when one is given", async () => {
    const plain = new WorkbenchImage("a", BUILD);
    expect(await valueOf(plain.imageRef)).toBe(`registry.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@${DIGEST}`);
    const vpc = new WorkbenchImage("b", { ...BUILD, pullRegistryServer: "registry-vpc.cn-hangzhou.aliyuncs.com" });
    expect(await valueOf(vpc.imageRef)).toBe(`registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@${DIGEST}`);
  });

  test("a build that reports no digest fails instead of deploying a tag", () => {
    expect(() => pullReferenceFromRepoDigest("registry.cn-hangzhou.aliyuncs.com/team/ebpf:v1", "x", "y")).toThrow(
      /not a reference by digest/,
    );
    expect(() => pullReferenceFromRepoDigest("sha256:abc", "x", "y")).toThrow();
  });
});

describe("WorkbenchImage, existing image", () => {
  test("uses the digest reference as given and builds nothing", async () => {
    const ref = `registry-vpc.cn-hangzhou.aliyuncs.com/team/ebpf-workbench@${DIGEST}`;
    const image = new WorkbenchImage("wb", { existingImage: ref });
    expect(await valueOf(image.imageRef)).toBe(ref);
    await settle();
    expect(registered.filter((r) => r.type === "docker:index/image:Image")).toHaveLength(0);
    expect(image.image).toBeUndefined();
    expect(image.plan).toEqual({ mode: "existing", imageRef: ref });
  });

  test("a tag instead of a digest is rejected before anything is registered", async () => {
    expect(
      () => new WorkbenchImage("wb", { existingImage: "registry.cn-hangzhou.aliyuncs.com/team/ebpf:latest" }),
    ).toThrow(/existingImage: ".*:latest" is not accepted \(`latest` moves.*expected an image reference by digest/);
    await settle();
    expect(registered).toHaveLength(0);
  });

  test("build inputs next to existingImage are rejected", () => {
    expect(() => new WorkbenchImage("wb", { existingImage: `a.b/c@${DIGEST}`, ...BUILD })).toThrow(
      /repository, registry: .* only apply to a build/,
    );
  });
});

describe("WorkbenchImage, bad inputs", () => {
  test("every bad input is reported at once, with names, values and what is accepted, and nothing is registered", async () => {
    let error: unknown;
    try {
      new WorkbenchImage("wb", {
        repository: "docker.io/team/ebpf:v1",
        registry: { server: "https://registry.cn-hangzhou.aliyuncs.com", username: "u", password: "" },
        architecture: "x86_64",
        tag: "latest",
        mirrors: { goproxy: "goproxy.cn" },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputErrors);
    const inputs = (error as InputErrors).errors.map((e) => e.input);
    expect(inputs).toEqual([
      "architecture",
      "registry.server",
      "registry.password",
      "repository",
      "tag",
      "mirrors.goproxy",
    ]);
    const message = (error as Error).message;
    expect(message).toContain('architecture: "x86_64" is not accepted; expected one of: amd64, arm64');
    expect(message).toContain("remove the scheme");
    expect(message).not.toContain(PASSWORD);
    await settle();
    expect(registered).toHaveLength(0);
  });

  test("the repository must live on the registry the credentials are for", () => {
    expect(
      () => new WorkbenchImage("wb", { ...BUILD, repository: "registry.cn-shanghai.aliyuncs.com/team/ebpf" }),
    ).toThrow(
      /repository: .*\(its host registry.cn-shanghai.aliyuncs.com is not the registry the credentials are for\); expected a repository on registry.server registry.cn-hangzhou.aliyuncs.com/,
    );
  });

  test("the pull host must be the same registry", () => {
    expect(
      () => new WorkbenchImage("wb", { ...BUILD, pullRegistryServer: "registry-vpc.cn-beijing.aliyuncs.com" }),
    ).toThrow(/pullRegistryServer: .*never pushed to/);
  });

  test("no registry and no existing image says what to set", () => {
    expect(() => new WorkbenchImage("wb", {})).toThrow(
      /registry: \(not set\).*required to build \(or set existingImage\)/s,
    );
  });
});

describe("ImagePullSecret", () => {
  test("creates a dockerconfigjson Secret in the namespace whose data is secret, and outputs its name", async () => {
    const pull = new ImagePullSecret("pull", {
      namespace: "ebpf-demo",
      server: "registry-vpc.cn-hangzhou.aliyuncs.com",
      username: "dev@team",
      password: PASSWORD,
      secretName: "acr-pull",
    });
    expect(await valueOf(pull.secretName)).toBe("acr-pull");
    await settle();
    const inputs = inputsOf("kubernetes:core/v1:Secret");
    expect(inputs.type).toBe("kubernetes.io/dockerconfigjson");
    expect(inputs.metadata.namespace).toBe("ebpf-demo");
    expect(isRpcSecret(inputs.stringData)).toBe(true);
    const config = JSON.parse(inputs.stringData.value[".dockerconfigjson"]);
    expect(config.auths["registry-vpc.cn-hangzhou.aliyuncs.com"].username).toBe("dev@team");
    expect(Buffer.from(config.auths["registry-vpc.cn-hangzhou.aliyuncs.com"].auth, "base64").toString()).toBe(
      `dev@team:${PASSWORD}`,
    );
    expect(plaintextStrings(inputs).join("\n")).not.toContain(PASSWORD);
    expect(await pulumi.isSecret(pull.secretName)).toBe(false);
    expect(registered.find((r) => r.type === "acs-ebpf:index:ImagePullSecret")?.name).toBe("pull");
  });

  test("a secret Output password stays secret", async () => {
    new ImagePullSecret("pull", {
      namespace: pulumi.output("ns"),
      server: "registry.cn-hangzhou.aliyuncs.com",
      username: "u",
      password: pulumi.secret(PASSWORD),
    });
    await settle();
    await settle();
    const inputs = inputsOf("kubernetes:core/v1:Secret");
    expect(isRpcSecret(inputs.stringData)).toBe(true);
    expect(plaintextStrings(inputs).join("\n")).not.toContain(PASSWORD);
  });

  test("bad server, namespace and name are rejected before anything is registered", async () => {
    expect(
      () =>
        new ImagePullSecret("pull", {
          namespace: "Bad_NS",
          server: "docker.io",
          username: "u",
          password: "p",
          secretName: "Bad",
        }),
    ).toThrow(/3 inputs are not accepted:[\s\S]*server: "docker.io"[\s\S]*namespace: "Bad_NS"[\s\S]*secretName: "Bad"/);
    await settle();
    expect(registered).toHaveLength(0);
  });
});
