import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isDeferred } from "../core/deferred";
import { InputError, InputErrorList } from "../core/errors";
import { isDnsLabel, isDnsSubdomain } from "../core/kubernetesNames";
import { checkRegistryCredentials, dockerConfigJson, validateRegistryServer } from "../core/registry";

/** Arguments of a pull secret for one ACR registry. */
export interface ImagePullSecretArgs {
  /** Namespace of the Secret: the workload's namespace (a Secret is only usable by pods in its own namespace). */
  namespace: pulumi.Input<string>;
  /**
   * The registry host the pods pull from (validated against the ACR endpoint forms): the host in
   * the image reference, typically the `-vpc` endpoint on ACS.
   */
  server: string;
  /** Registry user name. */
  username: pulumi.Input<string>;
  /** Registry password; always stored as a secret. */
  password: pulumi.Input<string>;
  /** Secret name (DNS-1123 subdomain). Default: generated from the component name with a random suffix. */
  secretName?: string;
}

/** Validates the plain inputs; throws InputErrors listing every bad one. */
export function validateImagePullSecretArgs(args: ImagePullSecretArgs): void {
  const bad = new InputErrorList();
  const errors = bad.errors;
  bad.attempt(() => validateRegistryServer(args.server, "server"));
  if (
    (typeof args.namespace === "string" && !isDnsLabel(args.namespace)) ||
    (typeof args.namespace !== "string" && !isDeferred(args.namespace))
  ) {
    errors.push(
      new InputError("namespace", args.namespace, "a DNS-1123 label (lowercase letters, digits and -, at most 63)"),
    );
  }
  if (args.secretName !== undefined && !isDnsSubdomain(args.secretName)) {
    errors.push(
      new InputError(
        "secretName",
        args.secretName,
        "a DNS-1123 subdomain (lowercase letters, digits, - and ., at most 253)",
      ),
    );
  }
  errors.push(...checkRegistryCredentials(args.username, args.password));
  bad.throwIfAny();
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret that lets the pods of one namespace pull from a private
 * ACR registry. Its data is a Pulumi secret: it never appears in plaintext in the state or outputs.
 * Pass `secretName` to the Deployment's `imagePullSecrets`.
 */
export class ImagePullSecret extends pulumi.ComponentResource {
  /** Name of the Secret, for `imagePullSecrets`. */
  readonly secretName: pulumi.Output<string>;
  readonly secret: k8s.core.v1.Secret;

  constructor(name: string, args: ImagePullSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    validateImagePullSecretArgs(args);
    super("acs-ebpf:index:ImagePullSecret", name, {}, opts);

    const payload = pulumi
      .all([args.username, args.password])
      .apply(([username, password]) => dockerConfigJson(args.server, username, password));
    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: {
          namespace: args.namespace,
          ...(args.secretName ? { name: args.secretName } : {}),
          labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "acs-ebpf" },
        },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": pulumi.secret(payload) },
      },
      { parent: this, additionalSecretOutputs: ["data", "stringData"] },
    );
    this.secretName = this.secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
