/**
 * The acs-ebpf CrossGuard policy pack: `pulumi preview --policy-pack policy`.
 *
 * This is the only module that constructs the PolicyPack: the constructor starts the analyzer's
 * gRPC server and exits the process on bad input, so tests import ./policies instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("acs-ebpf", {
  description: "Least privilege for eBPF workloads on ACS, generic pod security, supply chain and ACS label checks.",
  policies: policies(),
});
