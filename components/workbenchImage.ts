import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  WorkbenchImageArgs,
  WorkbenchImagePlan,
  planWorkbenchImage as planImage,
  pullReferenceFromRepoDigest,
} from "../core/imagePlan";
import { COMPONENT_TYPES } from "../core/workload";
import { PINNED, WORKBENCH_CONTEXT, WORKBENCH_DOCKERFILE } from "../images/ebpf-workbench/versions";

export type { WorkbenchImageArgs, WorkbenchImagePlan, WorkbenchRegistryArgs } from "../core/imagePlan";
export { pullReferenceFromRepoDigest } from "../core/imagePlan";

/** Validates the image arguments and decides what to build, for the pinned versions (images/ebpf-workbench/versions.json). */
export function planWorkbenchImage(args: WorkbenchImageArgs): WorkbenchImagePlan {
  return planImage(args, PINNED);
}

/**
 * The eBPF workbench image (Alibaba Cloud Linux 3 + pinned Go + cilium/ebpf, the fentry example
 * prebuilt), built for one architecture and pushed to ACR, or an existing image by digest.
 * Output `imageRef` is always a reference by digest, so each new build rolls the Deployment out.
 */
export class WorkbenchImage extends pulumi.ComponentResource {
  /** The image by digest, on the pull host: pass it to the Deployment. */
  readonly imageRef: pulumi.Output<string>;
  /** The validated plan (plain values). */
  readonly plan: WorkbenchImagePlan;
  /** The build, when the component builds (undefined with existingImage). */
  readonly image?: docker.Image;

  constructor(name: string, args: WorkbenchImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: throwing before super() registers nothing at all.
    const plan = planWorkbenchImage(args);
    super(COMPONENT_TYPES.image, name, {}, opts);
    this.plan = plan;

    if (plan.mode === "existing") {
      this.imageRef = pulumi.output(plan.imageRef);
    } else {
      const registry = args.registry!;
      this.image = new docker.Image(
        `${name}-image`,
        {
          imageName: plan.imageName,
          build: {
            context: WORKBENCH_CONTEXT,
            dockerfile: WORKBENCH_DOCKERFILE,
            platform: plan.platform,
            args: plan.buildArgs,
            ...(plan.cacheFrom.length > 0 ? { cacheFrom: { images: plan.cacheFrom } } : {}),
          },
          registry: {
            server: plan.pushServer,
            username: registry.username,
            password: pulumi.secret(registry.password),
          },
        },
        { parent: this },
      );
      this.imageRef = this.image.repoDigest.apply((digest) =>
        pullReferenceFromRepoDigest(digest, plan.pushServer, plan.pullServer),
      );
    }

    this.registerOutputs({ imageRef: this.imageRef });
  }
}
