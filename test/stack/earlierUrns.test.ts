/** The stack program's aliases to the URNs its resources had before it used EbpfWorkbench. */
import * as pulumi from "@pulumi/pulumi";
import { earlierNames, keepEarlierUrns } from "../../components/earlierUrns";

const transform = keepEarlierUrns("wb");
const apply = (type: string, name: string, aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[]) =>
  transform({ type, name, props: { a: 1 }, opts: { aliases }, resource: undefined as never });

describe("keepEarlierUrns", () => {
  test.each([
    ["acs-ebpf:index:EbpfWorkload", "wb", "wb"],
    ["acs-ebpf:index:WorkbenchImage", "wb-image", "workbench"],
    ["acs-ebpf:index:TcpConnectVerification", "wb-tcp-connect", "tcp-connect"],
  ])("%s %s keeps its earlier top-level name %s", (type, name, before) => {
    const result = apply(type, name, ["urn:pulumi:dev::p::x::kept"]);
    expect(result?.props).toEqual({ a: 1 });
    expect(result?.opts.aliases).toEqual([
      "urn:pulumi:dev::p::x::kept",
      { name: before, parent: pulumi.rootStackResource },
    ]);
  });

  test.each([
    ["kubernetes:apps/v1:Deployment", "wb-deployment"],
    ["acs-ebpf:index:EbpfWorkload", "other"],
    ["acs-ebpf:index:WorkbenchImage", "wb"],
  ])("%s %s is left alone (its parent's alias carries it)", (type, name) => {
    expect(apply(type, name)).toBeUndefined();
  });

  test("names every child the workbench declares under its own name", () => {
    expect(Object.keys(earlierNames("wb")).sort()).toEqual([
      "acs-ebpf:index:EbpfWorkload:wb",
      "acs-ebpf:index:TcpConnectVerification:wb-tcp-connect",
      "acs-ebpf:index:WorkbenchImage:wb-image",
    ]);
  });
});
