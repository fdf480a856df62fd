/**
 * An apply that throws (as EbpfWorkload's Pod Security check does for a refused namespace), its
 * Output given to a Secret, and the Secret's output to a ConfigMap: the Secret's registration fails
 * in the SDK, its outputs never settle, and the ConfigMap waits on them (pulumi/pulumi#14980).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const render = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const namespace = pulumi.output("refused-namespace").apply((name): string => {
  throw new pulumi.RunError(`namespace ${name} is not accepted`);
});
const first = new k8s.core.v1.Secret(
  "first",
  { metadata: { namespace }, stringData: { key: "value" } },
  { provider: render },
);
new k8s.core.v1.ConfigMap(
  "second",
  { metadata: { namespace: "default" }, data: { from: first.metadata.name } },
  { provider: render },
);
