import { container, pod, run, vendorDeployment } from "../testing";
import { unusedVolumes } from "./unusedVolumes";

const mount = (name: string) => ({ volumeMounts: [{ name, mountPath: `/${name}` }] });

describe("unused-volumes", () => {
  it("is advisory by default", () => expect(unusedVolumes.defaultLevel).toBe("advisory"));

  it.each([
    ["no volumes", pod([container()]), []],
    ["mounted", pod([container(undefined, mount("a"))], { volumes: [{ name: "a", emptyDir: {} }] }), []],
    ["unmounted", pod([container()], { volumes: [{ name: "a", emptyDir: {} }] }), ["spec.volumes[0]"]],
    [
      "mounted by an initContainer",
      pod([container()], {
        initContainers: [container(undefined, { name: "i", ...mount("a") })],
        volumes: [{ name: "a", emptyDir: {} }],
      }),
      [],
    ],
    [
      "mounted by an ephemeralContainer",
      pod([container()], {
        ephemeralContainers: [container(undefined, { name: "e", ...mount("a") })],
        volumes: [{ name: "a", emptyDir: {} }],
      }),
      [],
    ],
    [
      "used as a block device",
      pod([container(undefined, { volumeDevices: [{ name: "b", devicePath: "/dev/b" }] })], {
        volumes: [{ name: "b", persistentVolumeClaim: { claimName: "c" } }],
      }),
      [],
    ],
    [
      "one of two",
      pod([container(undefined, mount("a"))], {
        volumes: [
          { name: "a", emptyDir: {} },
          { name: "b", configMap: { name: "x" } },
        ],
      }),
      ["spec.volumes[1]"],
    ],
  ])("%s", (_name, obj, fields) => {
    expect(run(unusedVolumes, obj).map((f) => f.field)).toEqual(fields);
  });

  it("flags the vendor document's unused emptyDir", () => {
    const findings = run(unusedVolumes, vendorDeployment());
    expect(findings).toEqual([
      {
        field: "spec.template.spec.volumes[1]",
        message: "emptyDir volume unused-cache is mounted by no container; remove it",
      },
    ]);
  });
});
