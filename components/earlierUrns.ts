/**
 * The stack program (../index.ts) declared its image, workload and check at the top level before it
 * used EbpfWorkbench (the image as "workbench", the check as "tcp-connect"). These aliases keep
 * those resources when such a stack is upgraded, so the upgrade changes nothing on the cluster;
 * children of an aliased resource (the Namespace, the Deployment) follow it. Not part of the
 * package entry: only the program uses it.
 */
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../core/workload";

/** The earlier top-level name of each child the workbench `workbenchName` declares, keyed by `type:name`. */
export function earlierNames(workbenchName: string): Record<string, string> {
  return {
    [`${COMPONENT_TYPES.workload}:${workbenchName}`]: workbenchName,
    [`${COMPONENT_TYPES.image}:${workbenchName}-image`]: "workbench",
    [`${COMPONENT_TYPES.verification}:${workbenchName}-tcp-connect`]: "tcp-connect",
  };
}

/** A transformation for the workbench that aliases each child to its earlier top-level URN. */
export function keepEarlierUrns(workbenchName: string): pulumi.ResourceTransformation {
  const earlier = earlierNames(workbenchName);
  return ({ type, name, props, opts }) => {
    const before = earlier[`${type}:${name}`];
    if (before === undefined) return undefined;
    return {
      props,
      opts: { ...opts, aliases: [...(opts.aliases ?? []), { name: before, parent: pulumi.rootStackResource }] },
    };
  };
}
